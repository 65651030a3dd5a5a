"""Log lines: plain text by default, one JSON object per line with ESSAIM_LOG_FORMAT=json.

A JSON line holds `ts` (ISO 8601, UTC), `level`, `logger`, `message`, the fields of the request
being served when there is one (`request_id`, `method`, `path`, and on the access line `route`,
`status`, `duration_ms`), and `exception` when the record carries one. The request fields come
from a context variable set by essaim.core.middleware.RequestMiddleware for the thread serving
the request.

This module is imported by the logging configuration: it must not import models.
"""

from __future__ import annotations

import contextvars
import json
import logging
from datetime import UTC, datetime

# The request being served by this thread (or task): {"request_id", "method", "path"}.
current_request: contextvars.ContextVar[dict | None] = contextvars.ContextVar("essaim_request", default=None)

REQUEST_FIELDS = ("request_id", "method", "path", "route", "status", "duration_ms")
LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds").replace(
                "+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request = current_request.get()
        if request:
            line.update(request)
        for field in REQUEST_FIELDS:
            value = record.__dict__.get(field)
            if value is not None:
                line[field] = value
        if "status" not in line and isinstance(record.__dict__.get("status_code"), int):  # django.request
            line["status"] = record.__dict__["status_code"]
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            line["exception"] = record.exc_text
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def formatter_config(log_format: str) -> dict:
    """The `formatters` entry of a logging dict configuration for this format."""
    if log_format == "json":
        return {"()": "essaim.core.logs.JsonFormatter"}
    return {"format": "%(levelname)s %(name)s: %(message)s"}
