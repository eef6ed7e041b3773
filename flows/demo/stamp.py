"""The demo's version, stamped in the SQLite database it filled (``PRAGMA user_version``).

``make run`` rebuilds a demo database built by an older demo, so that every demo user finds
what the current code shows; it never touches a database the demo did not fill.
"""

from pathlib import Path

from django.db import connection


def is_sqlite_file() -> bool:
    """Return True if the database is an SQLite file on disk (the embedded default)."""
    if connection.vendor != "sqlite":
        return False
    name = str(connection.settings_dict["NAME"])
    return not name.startswith("file:") and name != ":memory:" and Path(name).exists()


def stored_version() -> int | None:
    """Return the demo version stamped in the database, or None where there is no stamp."""
    if connection.vendor != "sqlite":
        return None
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA user_version")
        return cursor.fetchone()[0]


def store_version(version: int) -> None:
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA user_version = {int(version)}")


def database_remove() -> Path:
    """Close the connection and delete the SQLite file (and its journals); return its path."""
    path = Path(connection.settings_dict["NAME"])
    connection.close()
    for suffix in ("", "-wal", "-shm", "-journal"):
        candidate = path.with_name(path.name + suffix)
        if candidate.exists():
            candidate.unlink()
    return path
