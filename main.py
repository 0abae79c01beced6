"""Chainboard's entry point from a source checkout: `python main.py [MODEL | COMMAND ...]`.

The installed `chainboard` command and `python -m gui` run the same function, gui.launch.main.
"""
import sys

from gui.launch import main

if __name__ == "__main__":
    sys.exit(main())
