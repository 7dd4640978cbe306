import sys

from iacguard.cli import main

if __name__ == "__main__":  # not when a process-pool worker imports the main module
    sys.exit(main())
