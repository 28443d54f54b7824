"""``framesieve config get|set``: a Roboflow project's Active Learning configuration (SPEC §5).

``get`` prints the project's configuration (``GET /{ws}/{project}/active_learning``)
as indented JSON, or writes it to a file atomically; ``set`` validates a
configuration file exactly as ``config validate`` does and, only when it is
valid, sends its normalised form (``POST .../active_learning``, body
``{"config": {...}}``).

Exit status: 0 ok; 2 usage or configuration error (no API key, invalid or
missing file: nothing is sent); 3 the API refused the request (HTTP 4xx such as
401/403/404, or an answer that is not a configuration); 4 the API could not be
reached (connection refused, timeout, HTTP 429 or 5xx). The API key is never
printed: every message goes through :func:`framesieve._util.redact.redact`.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import warnings
from pathlib import Path
from typing import Any

from framesieve._util.atomic import write_atomic
from framesieve._util.redact import redact, register_secret
from framesieve.cli.common import EXIT_INVALID, EXIT_OK, read_config
from framesieve.config import load_config
from framesieve.destinations.roboflow import RoboflowDestination
from framesieve.errors import ConfigError, ConfigWarning, PermanentDeliveryError, TransientDeliveryError

EXIT_REFUSED = 3
EXIT_UNREACHABLE = 4

_STATUS = re.compile(r"HTTP (\d{3})")

_EXIT_TEXT = """
exit status: 0 ok; 2 usage or configuration error (nothing sent); 3 the Roboflow API
refused the request (HTTP 401/403/404, ...); 4 it could not be reached (connection,
timeout, HTTP 5xx).
"""

GET_EPILOG = (
    """\
example:
  export ROBOFLOW_API_KEY=...        # preferred to --api-key: a key on the command line shows in ps
  framesieve config get --project my-project
  framesieve config get --workspace my-ws --project my-project config.json
"""
    + _EXIT_TEXT
)

SET_EPILOG = (
    """\
example:
  export ROBOFLOW_API_KEY=...
  framesieve config set --project my-project examples/config.json
  cat config.json | framesieve config set --strict --project my-project -
"""
    + _EXIT_TEXT
)


def add_parsers(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Registers ``get`` and ``set`` under ``framesieve config``."""
    get = commands.add_parser(
        "get",
        help="print a Roboflow project's configuration",
        description="Fetch the project's Active Learning configuration; print it as JSON, or write "
        "it to CONFIG.",
        epilog=GET_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _remote_arguments(get)
    get.add_argument(
        "config", metavar="CONFIG", nargs="?", help="write the configuration to this file (atomically)"
    )
    get.set_defaults(handler=run_get)
    put = commands.add_parser(
        "set",
        help="validate a configuration and send it to a Roboflow project",
        description="Validate CONFIG (every problem on stderr, exit 2, nothing sent); when valid, "
        "make its normalised form the project's Active Learning configuration.",
        epilog=SET_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _remote_arguments(put)
    put.add_argument(
        "config",
        metavar="CONFIG",
        nargs="?",
        default="-",
        help="JSON configuration file, or - for stdin (the default)",
    )
    put.add_argument("--strict", action="store_true", help="reject unknown strategy types and unknown keys")
    put.set_defaults(handler=run_set)


def _remote_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--project", required=True, help="the Roboflow project (its URL name)")
    parser.add_argument("--workspace", help="the project's workspace (default: the API key's workspace)")
    parser.add_argument(
        "--api-key",
        help="Roboflow API key; prefer the ROBOFLOW_API_KEY environment variable (a key on the "
        "command line is visible to other users in ps)",
    )
    parser.add_argument(
        "--api-url", help="API base URL (default: $ROBOFLOW_API_URL or https://api.roboflow.com)"
    )


def _destination(args: argparse.Namespace) -> RoboflowDestination | None:
    """The project's destination, or ``None`` after printing why the arguments are unusable."""
    key = args.api_key or os.environ.get("ROBOFLOW_API_KEY")
    if not key:
        _fail(args, "no API key: set ROBOFLOW_API_KEY (or pass --api-key)")
        return None
    register_secret(key)  # before anything can print: every message below is redacted
    url = args.api_url or os.environ.get("ROBOFLOW_API_URL")
    if url and not url.startswith(("http://", "https://")):
        _fail(args, f"the API URL must start with http:// or https://, got {redact(url)!r}")
        return None
    try:
        return RoboflowDestination(key, args.project, workspace=args.workspace, api_url=url)
    except ValueError as err:
        _fail(args, str(err))
        return None


def _fail(args: argparse.Namespace, message: str) -> None:
    print(f"framesieve config {args.config_command}: {redact(message)}", file=sys.stderr)


def _remote_error(args: argparse.Namespace, dest: RoboflowDestination, err: Exception) -> int:
    """Prints why the call failed and returns its exit status (3 refused, 4 unreachable)."""
    if isinstance(err, TransientDeliveryError):
        _fail(args, f"Roboflow API unreachable at {dest.api_url}: {err}")
        return EXIT_UNREACHABLE
    match = _STATUS.search(str(err))
    status = int(match.group(1)) if match else None
    where = f"{dest._workspace or args.workspace or '(the key workspace)'}/{args.project}"
    if status == 401:
        _fail(args, "Roboflow API refused the key (HTTP 401)")
    elif status == 403:
        _fail(args, f"Roboflow API refused access to {where} with this key (HTTP 403)")
    elif status == 404:
        _fail(args, f"Roboflow API has no project {where} (HTTP 404)")
    else:
        _fail(args, f"Roboflow API refused the request: {err}")
    return EXIT_REFUSED


def run_get(args: argparse.Namespace) -> int:
    dest = _destination(args)
    if dest is None:
        return EXIT_INVALID
    with dest:
        try:
            config = dest.get_config()
        except (TransientDeliveryError, PermanentDeliveryError) as err:
            return _remote_error(args, dest, err)
    text = json.dumps(config, indent=2) + "\n"
    _warn_if_invalid(config)
    if args.config is None:
        sys.stdout.write(text)
        return EXIT_OK
    try:
        write_atomic(Path(args.config), text.encode("utf-8"), keep_mode=True)
    except OSError as err:
        _fail(args, f"cannot write {args.config}: {err.strerror or err}")
        return EXIT_INVALID
    print(f"{dest.workspace}/{dest.project}: configuration written to {args.config}", file=sys.stderr)
    return EXIT_OK


def run_set(args: argparse.Namespace) -> int:
    dest = _destination(args)
    if dest is None:
        return EXIT_INVALID
    with dest:
        cfg = read_config(args.config, strict=args.strict)  # a skipped strategy is not sent
        if cfg is None:
            return EXIT_INVALID
        try:
            dest.set_config(cfg.to_dict())
            where = f"{dest.workspace}/{dest.project}"
        except (TransientDeliveryError, PermanentDeliveryError) as err:
            return _remote_error(args, dest, err)
    state = "enabled" if cfg.to_dict()["enabled"] else "disabled"
    count = len(cfg.sampling_strategies)
    print(f"{where}: Active Learning configuration set ({state}, {count} sampling strategies)")
    return EXIT_OK


def _warn_if_invalid(config: dict[str, Any]) -> None:
    """The project may hold a configuration framesieve rejects: say so, but still show it."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConfigWarning)
        try:
            load_config(config)
        except ConfigError as err:
            print(f"warning: the project's configuration does not validate: {err}", file=sys.stderr)
