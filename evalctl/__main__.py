"""Allow `python -m evalctl`."""

from __future__ import annotations

import sys

from evalctl.cli.main import main

sys.exit(main())
