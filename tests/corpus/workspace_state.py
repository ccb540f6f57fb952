"""What a workspace holds, read straight from its files: tables, metadata rows, temp and extracted files."""

from __future__ import annotations

from pathlib import Path

import duckdb

from workbench.settings import DB_FILENAME

METADATA_TABLES = ["_workbench.rejects", "_workbench.settings", "_workbench.tables"]


def files_under(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else []


def state(home: Path) -> dict:
    """Every table (any schema), every provenance and reject row, every temp and extracted file."""
    found = {"tables": [], "provenance": [], "rejects": [], "temp_files": files_under(home / "downloads" / ".tmp"),
             "extracted_files": files_under(home / "downloads" / "extracted")}  # fmt: skip
    if not (home / DB_FILENAME).exists():
        return found
    with duckdb.connect(str(home / DB_FILENAME), read_only=True) as con:
        found["tables"] = sorted(
            f"{s}.{t}" for s, t in con.execute("SELECT schema_name, table_name FROM duckdb_tables()").fetchall()
        )
        if "_workbench.tables" in found["tables"]:
            found["provenance"] = con.execute(
                "SELECT name, row_count, rejected_count FROM _workbench.tables ORDER BY name"
            ).fetchall()
            rejects = con.execute("SELECT DISTINCT table_name FROM _workbench.rejects ORDER BY 1").fetchall()
            found["rejects"] = [name for (name,) in rejects]
    return found


def assert_consistent(home: Path) -> dict:
    """Every table in `_workbench.tables` exists with the rows it records, and every user table is recorded."""
    found = state(home)
    user_tables = sorted(t.removeprefix("main.") for t in found["tables"] if t not in METADATA_TABLES)
    assert all(t in METADATA_TABLES or t.startswith("main.") for t in found["tables"]), found
    assert sorted(name for name, _, _ in found["provenance"]) == user_tables, found
    assert set(found["rejects"]) <= set(user_tables), found
    if user_tables:
        with duckdb.connect(str(home / DB_FILENAME), read_only=True) as con:
            for name, row_count, _ in found["provenance"]:
                assert con.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] == row_count, name
    return found


def assert_nothing_written(home: Path) -> None:
    """No table, no metadata row, no temp file, no extracted file."""
    found = state(home)
    assert found["tables"] in ([], METADATA_TABLES), found
    assert found["provenance"] == found["rejects"] == found["temp_files"] == found["extracted_files"] == [], found
