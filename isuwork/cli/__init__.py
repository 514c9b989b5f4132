"""The ``isuwork`` command line: a thin layer over the library (see :mod:`isuwork.cli.main`)."""
