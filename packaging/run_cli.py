"""Bundle entry point of certline-cli."""
import sys

from app.cli import main

sys.exit(main())
