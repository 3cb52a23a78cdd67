"""An HTTP endpoint that accepts connections and never answers: a key server playing the adversary.

It is a raw TCP socket on 127.0.0.1, served from a thread, so that it stalls a client whatever the
client's event loop is doing. Created *closed* (the port is reserved but nobody listens: connecting
is refused at once); ``listen()`` starts accepting and holding connections without reading or writing
a byte. Everything is bounded in time: ``hold_seconds`` after ``listen()`` (and at ``close()``) every
held connection and the listening socket are closed, so a client with no timeout of its own is set
free rather than hanging the test run forever.
"""

from __future__ import annotations

import socket
import threading


class StalledEndpoint:
    """``with StalledEndpoint() as endpoint:``; ``endpoint.url(path)`` points at it."""

    def __init__(self, hold_seconds: float = 4.0) -> None:
        self.hold_seconds = hold_seconds
        self.connections = 0
        self._held: list[socket.socket] = []
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind(("127.0.0.1", 0))
        self.port = self._socket.getsockname()[1]
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._timer = threading.Timer(hold_seconds, self.close)
        self._timer.daemon = True

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def listen(self) -> None:
        """From now on connections are accepted and held, unanswered, until the bound."""
        self._socket.listen(64)
        self._socket.settimeout(0.05)
        self._thread.start()
        self._timer.start()

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                connection, _ = self._socket.accept()
            except (TimeoutError, OSError):
                continue
            with self._lock:
                self.connections += 1
                self._held.append(connection)

    def close(self) -> None:
        self._closed.set()
        self._timer.cancel()
        with self._lock:
            for connection in self._held:
                connection.close()
            self._held.clear()
        self._socket.close()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout=1)

    def __enter__(self) -> StalledEndpoint:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
