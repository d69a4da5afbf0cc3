"""HTTP servers (the global host and the EU host) and the command line."""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from .control import handle_control
from .core import Emulator
from .exchange import Incoming
from .world import load_world

DEFAULT_SEED = Path(__file__).resolve().parent.parent / "seeds" / "demo.json"


class RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"             # keep-alive; every response has Content-Length
    server_version = "SendGridEmulator/1.0"
    disable_nagle_algorithm = True            # headers and body are separate writes: avoid 40 ms stalls
    server: EmulatorServer

    def do_GET(self) -> None:
        self._dispatch()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_GET

    def _dispatch(self) -> None:
        split = urlsplit(self.path)
        request = Incoming(method=self.command, raw_path=split.path or "/",
                           query=parse_qs(split.query, keep_blank_values=True),
                           headers=dict(self.headers.items()), body=self._read_body(), host=self.server.host_name)
        emulator = self.server.emulator
        is_control = request.raw_path == "/_emulator" or request.raw_path.startswith("/_emulator/")
        outcome = handle_control(emulator, request) if is_control else emulator.handle_api(request)
        if outcome.drop:
            self.close_connection = True     # no response at all: the socket is closed
            return
        body = outcome.encoded()
        self.send_response(outcome.status)
        for name, value in outcome.response_headers().items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline().strip():   # trailers
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def log_message(self, format: str, *args: Any) -> None:   # noqa: A002 - base class signature
        pass                                                   # the request log replaces access logs


class EmulatorServer(ThreadingHTTPServer):
    """One listener.  ``host_name`` says which SendGrid host it stands for: "global"
    (api.sendgrid.com) or "eu" (api.eu.sendgrid.com); both serve the same accounts."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], emulator: Emulator, host_name: str = "global"):
        self.emulator = emulator
        self.host_name = host_name
        super().__init__(address, RequestHandler)


def write_atomically(path: Path, text: str) -> None:
    """Readers never see a partial file: write a temp file beside it, then rename."""
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as tmp:
        tmp.write(text)
    os.replace(tmp_name, path)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Stateful local emulator of the SendGrid v3 IP API.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port (default)")
    parser.add_argument("--port-file", type=Path, help="write the listening port here once ready")
    parser.add_argument("--eu-port", type=int, default=0,
                        help="port of the listener that stands for api.eu.sendgrid.com (0, the default, picks one)")
    parser.add_argument("--eu-port-file", type=Path, help="write the EU listener's port here once ready")
    parser.add_argument("--api-key", required=True,
                        help="the key of the seed's (first) account: 'Authorization: Bearer KEY'")
    parser.add_argument("--seed", type=Path, default=DEFAULT_SEED, help=f"seed document (default {DEFAULT_SEED})")
    parser.add_argument("--log", type=Path, help="also append every /v3 log entry as a JSON line here "
                                                 "(the file is truncated at start)")
    parser.add_argument("--latency-ms", type=int, default=0, help="sleep this long before each /v3 response")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        world = load_world(json.loads(args.seed.read_text(encoding="utf-8")), args.api_key)
    except (OSError, ValueError) as error:       # SeedError and JSONDecodeError are ValueErrors
        print(f"sendgrid_emulator: invalid seed {args.seed}: {error}", file=sys.stderr)
        return 2
    log_stream = args.log.open("w", encoding="utf-8") if args.log else None
    emulator = Emulator(world, args.latency_ms, log_stream)
    server = EmulatorServer((args.host, args.port), emulator, "global")
    eu_server = EmulatorServer((args.host, args.eu_port), emulator, "eu")
    port, eu_port = server.server_address[1], eu_server.server_address[1]
    emulator.hosts = {"global": f"http://{args.host}:{port}", "eu": f"http://{args.host}:{eu_port}"}

    def stop(signum: int, frame: Any) -> None:
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    eu_thread = threading.Thread(target=eu_server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    eu_thread.start()
    try:
        if args.eu_port_file:
            write_atomically(args.eu_port_file, f"{eu_port}\n")
        if args.port_file:
            write_atomically(args.port_file, f"{port}\n")
        print(f"sendgrid_emulator: listening on http://{args.host}:{port} (EU host: http://{args.host}:{eu_port})",
              file=sys.stderr, flush=True)
        server.serve_forever(poll_interval=0.1)
    finally:
        eu_server.shutdown()
        eu_thread.join()
        server.server_close()
        eu_server.server_close()
        if log_stream is not None:
            log_stream.close()
        for port_file in (args.port_file, args.eu_port_file):
            if port_file and port_file.exists():
                port_file.unlink()
    return 0


if __name__ == "__main__":
    sys.exit(main())
