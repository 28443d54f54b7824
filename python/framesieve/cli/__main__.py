"""``python -m framesieve.cli``: the ``framesieve`` command."""

import sys

from framesieve.cli import main

sys.exit(main())
