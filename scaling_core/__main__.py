"""``python -m scaling_core``: the command line (see `scaling_core.cli`)."""

import sys

from scaling_core.cli import main

sys.exit(main())
