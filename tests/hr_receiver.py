"""A real HTTP server standing in for an HR system: answers from a script, records every request."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class HRReceiver:
    url: str
    answers: list[int] = field(default_factory=list)  # status codes to answer in turn; then 200
    received: list[Received] = field(default_factory=list)
    answered: list[int] = field(default_factory=list)  # the status code given to each of `received`
    down: bool = False  # while set, every request is answered 503, as by a system that is down


@contextmanager
def hr_receiver(answers: list[int] | None = None) -> Iterator[HRReceiver]:
    receiver = HRReceiver(url="", answers=list(answers or []))
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            with lock:
                receiver.received.append(Received(self.path, dict(self.headers.items()), body))
                code = 503 if receiver.down else (receiver.answers.pop(0) if receiver.answers else 200)
                receiver.answered.append(code)
            payload = b'{"ok": true}' if code < 300 else b"not now"
            self.send_response(code)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/graduations"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
