"""Start coopos from a source checkout: ``python main.py [COMMAND ...]`` = ``coopos``."""

import sys

from ui.launcher import main

if __name__ == "__main__":
    sys.exit(main())
