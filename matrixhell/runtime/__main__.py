"""`python -S -m matrixhell.runtime ...` is `matrixhell-runtime ...` without site-packages' start-up cost."""

import sys

from .cli import main

sys.exit(main())
