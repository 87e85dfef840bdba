"""Start coopos from a source checkout: ``python main.py [COMMAND ...]`` = ``coopos``."""

import sys

from coopos.cli import main

if __name__ == "__main__":
    sys.exit(main())
