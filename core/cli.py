"""Command line: `python main.py COMMAND ...`; no arguments opens the editor.

Each subcommand lives in core/commands/<name>.py with `register(subparsers)`.
"""
from __future__ import annotations

import argparse
import importlib
import logging
import os
import pkgutil
import sys

from core.errors import UserError

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

COMMAND_ORDER = ["say", "render", "analyze", "train", "dub", "eval", "voices"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="instructdub",
        description="Instruction-driven dubbing: analyse a video, predict timing and "
                    "prosody from plain-language instructions, render and export. "
                    "With no command, opens the editor.")
    parser.add_argument("--device", choices=["auto", "cpu", "cuda"], default=None,
                        help="compute device (default: cuda when available)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log more")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    import core.commands as pkg
    names = [m.name for m in pkgutil.iter_modules(pkg.__path__)]
    names.sort(key=lambda n: (COMMAND_ORDER.index(n) if n in COMMAND_ORDER else 99, n))
    for name in names:
        importlib.import_module(f"core.commands.{name}").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    if args.device:
        os.environ["INSTRUCTDUB_DEVICE"] = args.device
    if not args.command:
        from app.launch import launch  # Qt is imported only here
        return launch([])
    try:
        return int(args.func(args) or 0)
    except UserError as e:
        # bad input, a missing model, a file that cannot be written: one line, no
        # traceback (-v shows it); anything else is a bug and shows its traceback
        if args.verbose:
            raise
        print(f"error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
