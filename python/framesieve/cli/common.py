"""What the command line's commands share: exit statuses, reading a configuration file for a user."""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

from framesieve.config import Config, load_config
from framesieve.errors import ConfigError, ConfigWarning

EXIT_OK = 0
#: a usage or configuration error: nothing ran, nothing was sent
EXIT_USAGE = EXIT_INVALID = 2


def read_config(name: str, *, strict: bool = False) -> Config | None:
    """The configuration in file `name` (`-`: stdin), its warnings printed as
    ``warning: ...``; None, with every problem printed, when it is invalid."""
    source: bytes | Path = sys.stdin.buffer.read() if name == "-" else Path(name)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConfigWarning)
        try:
            cfg = load_config(source, strict=strict)
        except ConfigError as err:
            print(f"{name}: {err}", file=sys.stderr)
            return None
    for warning in caught:  # e.g. a skipped strategy type
        print(f"warning: {warning.message}", file=sys.stderr)
    return cfg
