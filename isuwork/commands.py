"""Subcommands of the ``isuwork`` command, one registrar each (see :mod:`isuwork.cli`).

Every handler takes the parsed arguments, calls the library and prints; it holds no logic of
its own. A registrar is decorated with :func:`isuwork.cli.subcommand`.
"""

from __future__ import annotations

import argparse  # noqa: F401  (used by the registrars below)

from isuwork.cli import subcommand  # noqa: F401
