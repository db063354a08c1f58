"""``python -m convcore.bench``: see :mod:`convcore.bench._cli`."""
import sys

from ._cli import main

sys.exit(main())
