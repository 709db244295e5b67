"""Bundle entry point of the station (PyInstaller needs a script, not a module)."""
import sys

from ui.main import main

sys.exit(main())
