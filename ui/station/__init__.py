"""The operator station: sign in, scan a serial, scan or pick a certificate, attach.

- ``shell.py``: the window, its top bar and tabs, the scan field and banner, the database
  worker, the clock check and idle sign-out (``StationWindow``).
- ``sign_in.py``: the name list, the PIN page with its keypad, the session (``SignIn``).
- ``attach.py``: the serial's card, the certificate panel, picker and session list, and what a
  scan or Enter does there (``AttachPage``).
- ``pages.py``: the pages built when first wanted, and the work left until the station is ready.
- ``office_tabs.py``, ``outage.py``, ``offline.py``, ``live.py``: the office's tabs, the database going
  away and back, working offline, the card following other workstations.
"""
from ui.station.attach import NOT_LOOKED_UP, NOT_UNDERSTOOD
from ui.station.shell import StationWindow
from ui.station.sign_in import BADGE_AND_PIN_HINT, PICK_HINT

__all__ = ["BADGE_AND_PIN_HINT", "NOT_LOOKED_UP", "NOT_UNDERSTOOD", "PICK_HINT", "StationWindow"]
