"""PIN digests move to ``user_pin``; on PostgreSQL they are reached only through functions of the owner.

The station role (app.roles) may see which users have a PIN but not the digests, and may not write
``user.failed_pins`` or ``user.locked_until``: ``certline_pin_check`` compares and counts in one call,
by the server's clock (``certline_now``) and the plant's policy held to its bounds. The functions are
``SECURITY DEFINER`` with a fixed ``search_path`` (``pg_temp`` last), so objects another role creates
cannot stand in for the tables they use.
"""
from peewee import SqliteDatabase

# Bounds of the policies, as app.policy.BOUNDS had them when this was written: a station role that writes
# a wild value into ``policy`` directly still gets no more than 20 tries, nor a lock shorter than a minute.
ATTEMPTS = (5, 3, 20)  # default, lowest, highest
LOCK_MINUTES = (5, 1, 24 * 60)
PIN_FUNCTIONS = ("certline_pin_salt(text)", "certline_set_pin(text, text)", "certline_pin_check(text, text)")


def _policy_sql(key: str, bounds: tuple[int, int, int]) -> str:
    default, low, high = bounds
    return (f"least(greatest(coalesce((SELECT CASE WHEN value ~ '^[0-9]{{1,6}}$' THEN value::integer END "
            f"FROM policy WHERE key = '{key}'), {default}), {low}), {high})")


def up(migrator, db):
    db.execute_sql('CREATE TABLE "user_pin" ("user_id" VARCHAR(64) NOT NULL PRIMARY KEY '
                   'REFERENCES "user" ("id") ON DELETE RESTRICT, "pin_hash" VARCHAR(200) NOT NULL)')
    db.execute_sql('INSERT INTO "user_pin" ("user_id", "pin_hash") '
                   'SELECT "id", "pin_hash" FROM "user" WHERE "pin_hash" IS NOT NULL')
    db.execute_sql('ALTER TABLE "user" DROP COLUMN "pin_hash"')
    if isinstance(db, SqliteDatabase):
        return
    schema = db.execute_sql("SELECT current_schema()").fetchone()[0]
    definer = f"SECURITY DEFINER SET search_path = {schema}, pg_temp"
    # The clock of locks. A function, so a test run by the owner can hold it still; nobody else may replace it.
    db.execute_sql("CREATE FUNCTION certline_now() RETURNS timestamp LANGUAGE sql VOLATILE "
                   "AS $$ SELECT (clock_timestamp() AT TIME ZONE 'UTC')::timestamp(3) $$")
    db.execute_sql(
        f"CREATE FUNCTION certline_pin_salt(p_user text) RETURNS text LANGUAGE sql STABLE {definer} AS $$ "
        "SELECT split_part(pin_hash, '$', 1) || '$' || split_part(pin_hash, '$', 2) "
        "FROM user_pin WHERE user_id = p_user $$")
    db.execute_sql(
        f"CREATE FUNCTION certline_set_pin(p_user text, p_hash text) RETURNS void LANGUAGE plpgsql {definer} AS $$ "
        "BEGIN "
        "IF p_hash IS NULL THEN DELETE FROM user_pin WHERE user_id = p_user; "
        "ELSIF p_hash !~ '^[a-z-]+[$][0-9a-f]{32}[$][0-9a-f]{128}$' THEN "
        "RAISE EXCEPTION 'not a PIN digest'; "
        "ELSE INSERT INTO user_pin (user_id, pin_hash) VALUES (p_user, p_hash) "
        "ON CONFLICT (user_id) DO UPDATE SET pin_hash = EXCLUDED.pin_hash; "
        "END IF; END $$")
    # The rule of app.pins.verify: a lock in force refuses; a right PIN clears the count; a wrong one counts,
    # after a lock that ran out from one again, and locks at the plant's number of tries.
    db.execute_sql(
        "CREATE FUNCTION certline_pin_check(p_user text, p_digest text) RETURNS TABLE "
        "(o_kind text, o_failed_pins integer, o_locked_until timestamp, o_lock_minutes integer, o_now timestamp) "
        f"LANGUAGE plpgsql {definer} AS $$ "
        "DECLARE u record; stored text; moment timestamp := certline_now(); "
        "failures integer; tries integer; minutes integer; lock_end timestamp; "
        "BEGIN "
        'SELECT failed_pins, locked_until INTO u FROM "user" WHERE id = p_user FOR UPDATE; '
        "IF NOT FOUND THEN RETURN QUERY SELECT 'wrong', 0, NULL::timestamp, 0, moment; RETURN; END IF; "
        "IF u.locked_until IS NOT NULL AND u.locked_until > moment THEN "
        "RETURN QUERY SELECT 'locked', u.failed_pins, u.locked_until, 0, moment; RETURN; END IF; "
        "SELECT split_part(pin_hash, '$', 3) INTO stored FROM user_pin WHERE user_id = p_user; "
        "IF stored IS NOT NULL AND p_digest IS NOT NULL AND stored = p_digest THEN "
        'UPDATE "user" SET failed_pins = 0, locked_until = NULL WHERE id = p_user '
        "AND (failed_pins <> 0 OR locked_until IS NOT NULL); "
        "RETURN QUERY SELECT 'right', 0, NULL::timestamp, 0, moment; RETURN; END IF; "
        "failures := CASE WHEN u.locked_until IS NOT NULL THEN 0 ELSE u.failed_pins END + 1; "
        f"tries := {_policy_sql('pin_attempts', ATTEMPTS)}; "
        f"minutes := {_policy_sql('pin_lock_minutes', LOCK_MINUTES)}; "
        "lock_end := CASE WHEN failures >= tries THEN moment + make_interval(mins => minutes) END; "
        'UPDATE "user" SET failed_pins = failures, locked_until = lock_end WHERE id = p_user; '
        "RETURN QUERY SELECT 'wrong', failures, lock_end, minutes, moment; "
        "END $$")
    for function in PIN_FUNCTIONS:
        db.execute_sql(f"REVOKE ALL ON FUNCTION {function} FROM PUBLIC")
