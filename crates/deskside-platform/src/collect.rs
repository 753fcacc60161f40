//! Collectors: read the live machine into model values. The only `cfg`-gated part of the
//! crate; each OS module below delegates the text it reads to that OS's pure parsers.
