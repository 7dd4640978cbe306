import sys

from iacguard.cli import main

sys.exit(main())
