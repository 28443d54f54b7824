"""Keeps secrets out of logs, exception messages and reprs: registered API keys,
and the ``user:password@`` part of URLs."""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from typing import Any

_lock = threading.Lock()
_secrets: set[str] = set()
MASK = "***"
# Up to the last "@" of the word: a password may hold "@", "/" or ":" unencoded (a host
# cannot), and masking too much is the safe side.
_CREDENTIALS = re.compile(r"(?<=://)\S*@")


def redact_url(url: str) -> str:
    """``url`` with its ``user:password@`` part hidden."""
    return _CREDENTIALS.sub(f"{MASK}@", url)


def redact(text: str) -> str:
    """``text`` with every registered secret replaced by ``***``."""
    for secret in _secrets:
        if secret in text:
            text = text.replace(secret, MASK)
    return text


#: loggers (and all their children) whose records may carry a request URL or an answer
_LOGGERS = frozenset({"httpx", "httpcore", "urllib3", "hpack", "h11", "h2", "framesieve"})


def _redacting_factory(make: Callable[..., logging.LogRecord]) -> Callable[..., logging.LogRecord]:
    """Wraps the record factory: a record of those loggers is redacted as it is made, before any
    handler or filter sees it (a filter on ``httpcore`` misses ``httpcore.http11``'s records)."""

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make(*args, **kwargs)
        if _secrets and record.name.partition(".")[0] in _LOGGERS:
            message = record.getMessage()
            clean = redact(message)
            if clean != message:
                record.msg, record.args = clean, None
        return record

    factory.redacts_framesieve_secrets = True  # type: ignore[attr-defined]
    return factory


def register_secret(secret: str) -> None:
    """Redacts ``secret`` from now on in what the HTTP libraries and framesieve log."""
    if not secret:
        return
    with _lock:
        _secrets.add(secret)
        # Installed again if something replaced the factory since (another library, a test harness).
        current = logging.getLogRecordFactory()
        if not getattr(current, "redacts_framesieve_secrets", False):
            logging.setLogRecordFactory(_redacting_factory(current))
