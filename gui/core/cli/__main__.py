"""`python -m gui.core.cli COMMAND ...`: the command line without the launcher."""
import sys

from . import main

sys.exit(main())
