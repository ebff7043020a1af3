"""A loopback server speaking the OpenAI-compatible chat completions API, for model-backed code paths."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

# (request body) -> (HTTP status, the assistant message's content)
Answer = Callable[[dict[str, Any]], tuple[int, str]]
USAGE = {"prompt_tokens": 7, "completion_tokens": 2}


@dataclass
class ChatServer:
    """The base URL to configure and every request seen: (path, Authorization header, JSON body)."""

    base_url: str
    requests: list[tuple[str, str | None, dict[str, Any]]] = field(default_factory=list)


@contextmanager
def chat_server(answer: Answer, usage: dict[str, int] | None = USAGE) -> Iterator[ChatServer]:
    """Serve POST <base>/chat/completions on 127.0.0.1 with `answer`'s reply and `usage` (None: no usage),
    several requests at a time as a hosted model does."""
    seen: list[tuple[str, str | None, dict[str, Any]]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            seen.append((self.path, self.headers.get("Authorization"), body))
            status, content = answer(body)
            reply: dict[str, Any] = {"choices": [{"message": {"role": "assistant", "content": content}}]}
            if usage is not None:
                reply["usage"] = usage
            data = json.dumps(reply if status == 200 else {"error": {"message": content}}).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield ChatServer(f"http://127.0.0.1:{server.server_address[1]}/v1", seen)
    finally:
        server.shutdown()
        server.server_close()
