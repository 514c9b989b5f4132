"""The ``isuwork`` command: parse, run one handler, and turn user errors into Swedish messages.

User errors (:class:`~isuwork.exceptions.IsuworkError`) are printed as a Swedish paragraph
without a traceback and give exit code 1; bad command-line usage gives exit code 2 (argparse's
convention).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from isuwork.cli.parser import build_parser
from isuwork.exceptions import IsuworkError


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``isuwork`` command; returns the exit code (0 ok, 1 user error, 2 usage)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    try:
        # the handlers load the statistics stack, which --help and --version do without
        from isuwork.cli import commands, review_commands

        handlers = review_commands if args.handler.startswith("review_") else commands
        return int(getattr(handlers, f"run_{args.handler}")(args) or 0)
    except IsuworkError as err:
        print(f"Fel: {err.message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("Avbrutet.", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
