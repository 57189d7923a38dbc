"""A TCP proxy on 127.0.0.1 that can pass, stall or refuse: faults between the app and a server.

``stall`` keeps every connection open but forwards nothing (as a stopped
server whose kernel still acknowledges packets); ``refuse`` closes every
connection and the listening port (as a stopped service); ``restore`` goes
back to passing everything.
"""

from __future__ import annotations

import contextlib
import select
import socket
import threading


class FaultProxy:
    """Forward 127.0.0.1:<port> to a target, with faults on demand."""

    def __init__(self, target_host: str, target_port: int):
        self.target = (target_host, target_port)
        self.mode = "pass"
        self._pairs: list[tuple[socket.socket, socket.socket]] = []
        self._lock = threading.Lock()
        self._closed = False
        self._listener: socket.socket | None = None
        self.port = self._listen(0).getsockname()[1]

    def _listen(self, port: int) -> socket.socket:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", port))
        listener.listen(64)
        listener.settimeout(0.2)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()
        return listener

    def _accept(self, listener: socket.socket) -> None:
        while not self._closed and listener is self._listener:
            try:
                client, _address = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._pairs.append((client, upstream))
            threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()

    def _pump(self, client: socket.socket, upstream: socket.socket) -> None:
        ends = {client: upstream, upstream: client}
        try:
            while not self._closed:
                if self.mode == "stall":
                    select.select([], [], [], 0.1)
                    continue
                readable, _w, _x = select.select(list(ends), [], [], 0.1)
                for source in readable:
                    data = source.recv(65536)
                    if not data:
                        return
                    ends[source].sendall(data)
        except (OSError, ValueError):  # a socket closed by refuse() or close()
            return
        finally:
            for end in ends:
                end.close()

    def _drop_connections(self) -> None:
        with self._lock:
            pairs, self._pairs = self._pairs, []
        for pair in pairs:
            for end in pair:
                with contextlib.suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)
                end.close()

    def stall(self) -> None:
        """Keep connections open, forward nothing."""
        self.mode = "stall"

    def refuse(self) -> None:
        """Close every connection and the port: new connections are refused."""
        self.mode = "refuse"
        listener, self._listener = self._listener, None
        listener.close()
        self._drop_connections()

    def restore(self) -> None:
        """Pass everything again, on the same port; stalled connections are dropped."""
        if self.mode == "stall":
            self._drop_connections()
        if self._listener is None:
            self._listen(self.port)
        self.mode = "pass"

    def close(self) -> None:
        """Stop the proxy and every connection through it."""
        self._closed = True
        if self._listener is not None:
            self._listener.close()
        self._drop_connections()
