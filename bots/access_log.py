"""The HTTP access log of ``parvis serve``: by default only the requests worth a look.

Why not a line per request: Slack and Teams send a request for every command, click and event, and
a line each is both noise (``/metrics`` already counts and times every route) and the single largest
cost of a cached command's acknowledgement (a formatted record and a write to the log per request:
about a sixth of the server's CPU in ``benchmarks/slack_ack.py``). What an admin looks for in the log
is what went wrong: refused signatures, unknown routes, server errors, and requests slow enough to
come near Slack's 3-second limit. ``[server] access_log`` chooses:

- ``"problems"`` (default): requests answered with a status of 400 or more, or slower than
  ``SLOW_REQUEST_SECONDS``;
- ``"all"``: every request, in aiohttp's usual format;
- ``"off"``: none.
"""

from __future__ import annotations

import logging
from typing import Any

from aiohttp.abc import AbstractAccessLogger
from aiohttp.web_log import AccessLogger
from aiohttp.web_request import BaseRequest
from aiohttp.web_response import StreamResponse

from bots.config import AccessLogMode

#: a request this slow is logged even when it succeeded (Slack gives up after 3 s)
SLOW_REQUEST_SECONDS = 1.0
#: the fields of a problem line: client, request line, status, size, duration, user agent
PROBLEM_FORMAT = '%a "%r" %s %b %Tfs "%{User-Agent}i"'


class ProblemAccessLogger(AbstractAccessLogger):
    """Logs a request only when it failed or was slow; a successful quick one costs one comparison."""

    __slots__ = ("_lines",)

    def __init__(self, logger: logging.Logger, log_format: str) -> None:
        super().__init__(logger, log_format)
        self._lines = AccessLogger(logger, PROBLEM_FORMAT)

    def log(self, request: BaseRequest, response: StreamResponse, time: float) -> None:
        if response.status < 400 and time < SLOW_REQUEST_SECONDS:
            return
        self._lines.log(request, response, time)

    @property
    def enabled(self) -> bool:
        return self.logger.isEnabledFor(logging.INFO)


def access_log_options(mode: AccessLogMode) -> dict[str, Any]:
    """``web.run_app`` keyword arguments for ``mode``."""
    if mode == "off":
        return {"access_log": None}
    if mode == "problems":
        return {"access_log_class": ProblemAccessLogger}
    return {}
