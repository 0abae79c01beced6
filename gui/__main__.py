"""`python -m gui`: the same as `python main.py` (see gui/launch.py)."""
import sys

from .launch import main

sys.exit(main())
