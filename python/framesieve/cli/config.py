"""``framesieve config ...``: work with an Active Learning configuration file.

``validate CONFIG`` checks a configuration (SPEC §1) and prints a short summary, or
every problem on stderr with exit status 2. ``get`` / ``set`` read and write a
Roboflow project's configuration (:mod:`framesieve.cli.config_remote`).
"""

from __future__ import annotations

import argparse
import json

from framesieve.cli import config_remote
from framesieve.cli.common import EXIT_INVALID, EXIT_OK, read_config
from framesieve.config import Config, Diversity, SamplingStrategy
from framesieve.config.rules import DEFAULT_MAX_HAMMING

VALIDATE_EPILOG = """\
example:
  framesieve config validate examples/config.json
  framesieve config validate --strict --json my_config.json
  cat my_config.json | framesieve config validate -
"""


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Registers ``config`` and its subcommands ``validate``, ``get`` and ``set``."""
    config = subparsers.add_parser(
        "config",
        help="validate, read or write an Active Learning configuration",
        description="Work with an Active Learning configuration (the Roboflow JSON schema).",
        epilog="example:\n  framesieve config validate examples/config.json\n"
        "  ROBOFLOW_API_KEY=... framesieve config get --project my-project config.json\n"
        "  ROBOFLOW_API_KEY=... framesieve config set --project my-project config.json",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = config.add_subparsers(dest="config_command", metavar="SUBCOMMAND", required=True)
    validate = commands.add_parser(
        "validate",
        help="check a configuration file and summarise it",
        description="Check every rule of the configuration; print a summary (exit 0) or every "
        "problem on stderr (exit 2).",
        epilog=VALIDATE_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    validate.add_argument(
        "config", metavar="CONFIG", help="path of a JSON configuration file, or - for stdin"
    )
    validate.add_argument(
        "--strict", action="store_true", help="reject unknown strategy types and unknown keys"
    )
    validate.add_argument(
        "--json", action="store_true", help="print the normalised configuration JSON instead of a summary"
    )
    validate.set_defaults(handler=run_validate)
    config_remote.add_parsers(commands)


def run_validate(args: argparse.Namespace) -> int:
    cfg = read_config(args.config, strict=args.strict)
    if cfg is None:
        return EXIT_INVALID
    if args.json:
        print(json.dumps(cfg.to_dict(), indent=2))
    else:
        print(summary(cfg, args.config))
    return EXIT_OK


def summary(cfg: Config, label: str) -> str:
    """A few human lines: what the configuration will do."""
    lines = [f"{label}: valid configuration"]
    state = "yes" if cfg.enabled else "no"
    if cfg.disabled_by_env:
        state += " (turned off by ACTIVE_LEARNING_ENABLED)"
    lines.append(f"enabled: {state}")
    if cfg.persist_predictions is not None:
        lines.append(f"persist_predictions: {'yes' if cfg.persist_predictions else 'no'}")
    if cfg.sampling_strategies:
        lines.append(f"sampling_strategies ({len(cfg.sampling_strategies)}):")
        lines.extend(f"  - {_strategy_line(s)}" for s in cfg.sampling_strategies)
    if cfg.batching_strategy is not None:
        b = cfg.batching_strategy
        cap = "" if b.max_batch_images is None else f", at most {b.max_batch_images} images per batch"
        lines.append(f"batching: {b.batches_name_prefix!r}, new batch {b.recreation_interval}{cap}")
    image = (
        "original size" if cfg.max_image_size is None else "fit in {}x{} (HxW)".format(*cfg.max_image_size)
    )
    lines.append(f"images: {image}, JPEG quality {cfg.jpeg_compression_level}")
    if cfg.deduplication is not None:
        d = cfg.deduplication
        lines.append(
            f"deduplication: {d.hash}, near-duplicate within {d.max_hamming} bits "
            f"of a frame collected in the last {d.window_seconds:g} s ({d.max_entries} hashes kept"
            + (", shared through Redis)" if d.shared else ")")
        )
        lines.append(
            "  method: 64-bit dHash of a 9x8 gray thumbnail, each pixel the mean luma of its cell "
            "(antialiased); each source_id has its own memory"
            + (
                f"; {d.max_hamming} bits is the default, measured on real clips (README)"
                if d.max_hamming == DEFAULT_MAX_HAMMING
                else f"; the default is {DEFAULT_MAX_HAMMING} bits (fewer bits keep more look-alikes)"
            )
        )
    if cfg.diversity is not None:
        lines.extend(_diversity_lines(cfg.diversity))
    tags = [*cfg.global_tags, *cfg.tags]
    if tags:
        lines.append(f"tags: {', '.join(tags)}")
    if cfg.target_workspace or cfg.target_project:
        lines.append(
            f"target: {cfg.target_workspace or '(key workspace)'}/{cfg.target_project or '(project)'}"
        )
    return "\n".join(lines)


def _diversity_lines(d: Diversity) -> list[str]:
    """What ``diversity`` does, in words: the rule, its memory and what it costs."""
    window = "so far" if d.window_seconds is None else f"in the last {d.window_seconds:g} s"
    if d.min_cosine_distance is not None:
        rule = (
            f"a frame is kept only when its embedding's cosine distance to every frame kept {window} "
            f"exceeds {d.min_cosine_distance:g}"
        )
    else:
        rule = (
            f"the distance threshold adapts so that about {d.target_share:.0%} of the frames checked "
            f"are kept (cosine distance to every frame kept {window})"
        )
    return [
        f"diversity: {rule}",
        f"  memory: at most {d.max_kept} embeddings per source_id ({d.max_kept} x dim x 4 bytes); "
        "register(..., embedding=...) gives the vector (frames without one are not checked); "
        "checked after sampling, before limits: a refused frame takes no credit (stats: not_novel)",
    ]


def _strategy_line(strategy: SamplingStrategy) -> str:
    line = f"{strategy.name}: {strategy.type}"
    if strategy.limits:
        line += " (limits: " + ", ".join(f"{lim.type} {lim.value}" for lim in strategy.limits) + ")"
    return line
