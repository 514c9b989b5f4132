"""``python -m isuwork``: the same as the ``isuwork`` command."""

import sys

from isuwork.cli.main import main

sys.exit(main())
