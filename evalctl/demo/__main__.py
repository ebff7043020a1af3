"""`python -m evalctl.demo` (what `make demo` runs)."""

import sys

from evalctl.demo import main

sys.exit(main())
