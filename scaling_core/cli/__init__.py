"""The command line over `scaling_core`, one module per command and one of shared arguments
(`scaling_core.cli.args`); ``python -m scaling_core`` and the ``scaling-core`` script run `main`."""

from scaling_core.cli.main import build_parser, main

__all__ = ["build_parser", "main"]
