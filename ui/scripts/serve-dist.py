#!/usr/bin/env python3
"""Serve ui/dist on 127.0.0.1 with the strict Content-Security-Policy the Tauri window uses,
so a headless browser can prove the build needs no inline script/style, eval or remote
content. Usage: python3 scripts/serve-dist.py [PORT]  (default 4173)."""

import functools
import http.server
import pathlib
import sys

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self' ipc: http://ipc.localhost; object-src 'none'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)


class Handler(http.server.SimpleHTTPRequestHandler):
    def end_headers(self):
        self.send_header("Content-Security-Policy", CSP)
        self.send_header("Cache-Control", "no-store")
        super().end_headers()


def main() -> None:
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 4173
    root = pathlib.Path(__file__).resolve().parent.parent / "dist"
    handler = functools.partial(Handler, directory=str(root))
    with http.server.ThreadingHTTPServer(("127.0.0.1", port), handler) as srv:
        print(f"serving {root} on http://127.0.0.1:{port}/ with CSP: {CSP}", flush=True)
        srv.serve_forever()


if __name__ == "__main__":
    main()
