"""What the office screens ask of the database, Qt-free: one module per view.

Each function runs in the GUI's database worker (or anywhere else: the CLI and the tests
call the same ones) and returns plain, frozen records that are safe to hand to another thread.
"""
