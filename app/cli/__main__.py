"""``python -m app.cli``: certline-cli without its installed script."""
import sys

from app.cli import main

if __name__ == "__main__":  # importing the module (as the tests walking app/ do) runs nothing
    sys.exit(main())
