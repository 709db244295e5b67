"""API token scopes: what a token may do through certline-server (read, attach, certificates, documents).

Kept as the scope names joined by commas. Tokens made before this migration get ``read`` only: they
were made for certline-cli, before any HTTP API existed, so nobody asked for more for them; an
administrator who wants one to write over HTTP makes a new token saying so.
"""


def up(migrator, db):
    # Written out for the NOT NULL column, as 0004 and 0008 do: the same statement on both databases.
    db.execute_sql("ALTER TABLE \"api_token\" ADD COLUMN \"scopes\" VARCHAR(200) NOT NULL DEFAULT 'read'")
