"""``python -m scaling_core``: the command line (see `scaling_core.cli`)."""

import sys

from scaling_core.cli import main
from scaling_core.cli.allocator import keep_temporaries_in_heap

keep_temporaries_in_heap()
sys.exit(main())
