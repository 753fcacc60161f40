//! A DNS reply from a hostile or broken server (hickory-proto wire format): decoded for the
//! query id in its first two bytes and for another id. Never a panic.
#![no_main]

use deskside_netprobe::dns::decode_reply;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let id = data
        .get(..2)
        .map_or(0, |b| u16::from_be_bytes([b[0], b[1]]));
    if let Some(outcome) = decode_reply(id, data) {
        let _ = outcome.describe();
    }
    let _ = decode_reply(id.wrapping_add(1), data);
});
