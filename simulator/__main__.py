"""``python -m simulator`` is the ``mark1`` command."""

import sys

from .cli import main

sys.exit(main())
