"""Former home of the fitting code, now the `scaling_core.fit` package; kept as a re-export.

``from scaling_core.fitting import fit`` keeps working; new code imports from `scaling_core.fit`.
"""

from scaling_core.fit import *  # noqa: F403
from scaling_core.fit import __all__  # noqa: F401
