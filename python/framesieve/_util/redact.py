"""Keeps secrets out of logs, exception messages and reprs: registered API keys,
and the ``user:password@`` part of URLs."""

from __future__ import annotations

import logging
import re
import threading

_lock = threading.Lock()
_secrets: set[str] = set()
_installed = False
MASK = "***"
# Up to the last "@" of the URL: a password may hold unencoded "@", "/", "?" or "#".
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


class _RedactingFilter(logging.Filter):
    """Rewrites records of the HTTP libraries, which log request URLs (query included)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if _secrets:
            message = record.getMessage()
            clean = redact(message)
            if clean != message:
                record.msg, record.args = clean, None
        return True


def register_secret(secret: str) -> None:
    """Redacts ``secret`` from now on in what the HTTP libraries log."""
    global _installed
    if not secret:
        return
    with _lock:
        _secrets.add(secret)
        if not _installed:
            _installed = True
            for name in ("httpx", "httpcore", "urllib3", "hpack"):
                logging.getLogger(name).addFilter(_RedactingFilter())
