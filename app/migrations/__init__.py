"""Numbered schema migrations, applied in order by ``app.db.open_database``.

Each file declares frozen copies of the tables it touches, independent of today's
``app.models``, so that an old database always migrates the same way.
"""
