"""The ``isuwork`` command: a thin layer over the library's functions.

Each subcommand parses its arguments, calls one library function and prints the result. User
errors (:class:`~isuwork.exceptions.IsuworkError`) are printed as a Swedish paragraph without a
traceback and give exit code 1; bad command-line usage gives exit code 2 (argparse's convention).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from isuwork import __version__
from isuwork.exceptions import IsuworkError

# Each entry adds one subcommand to the parser; the subcommand sets ``func`` to its handler,
# which takes the parsed arguments and returns an exit code.
Registrar = Callable[["argparse._SubParsersAction[argparse.ArgumentParser]"], None]
_SUBCOMMANDS: list[Registrar] = []


def subcommand(register: Registrar) -> Registrar:
    """Decorator that adds a subcommand registrar to the ``isuwork`` command."""
    _SUBCOMMANDS.append(register)
    return register


class _SwedishParser(argparse.ArgumentParser):
    """ArgumentParser whose own usage errors are introduced in Swedish (exit code 2)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: fel i kommandoraden: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser with every registered subcommand."""
    parser = _SwedishParser(
        prog="isuwork",
        description="Jämställdhetsintegrerad analys av ISU-data (individbaserad systematisk uppföljning).",
    )
    parser.add_argument("--version", action="version", version=f"isuwork {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="KOMMANDO", parser_class=_SwedishParser)
    for register in _SUBCOMMANDS:
        register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``isuwork`` command; returns the exit code (0 ok, 1 user error, 2 usage)."""
    _load_subcommands()
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except IsuworkError as err:
        print(f"Fel: {err.message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("Avbrutet.", file=sys.stderr)
        return 130


def _load_subcommands() -> None:
    """Import the modules that register subcommands (kept lazy so ``--version`` stays fast)."""
    import isuwork.cli.commands  # noqa: F401


if __name__ == "__main__":  # pragma: no cover
    # run through the package so subcommands register on the imported module, not __main__
    from isuwork.cli.main import main as _main

    sys.exit(_main())
