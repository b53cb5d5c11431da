"""HTTP with a bound on how long a client may take to send a request.

uvicorn times out idle keep-alive connections but not a request arriving a byte at a time, so a few
hundred slow clients hold every connection ("slowloris"). Here a client has REQUEST_SECONDS from
the first byte of a request (or from connecting) to its last; then it gets a 408 and the connection
closes. What the application does with a request once it has arrived is not bounded here.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

REQUEST_SECONDS = 15.0
TIMED_OUT = b"HTTP/1.1 408 Request Timeout\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"


class BoundedHttpTools(HttpToolsProtocol):
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._deadline: asyncio.TimerHandle | None = None
        self._arm()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._arm()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._disarm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(REQUEST_SECONDS, self._too_slow)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _too_slow(self) -> None:
        if self.transport.is_closing():
            return
        cycle: Any = self.cycle
        if cycle is None or not cycle.response_started:
            self.transport.write(TIMED_OUT)
        self.transport.close()


HTTP = f"{__name__}:BoundedHttpTools"  # for uvicorn's `http=` setting
