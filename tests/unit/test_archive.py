"""Zip archives are extracted safely: hostile names, links and bombs are refused, and nothing is kept."""

from __future__ import annotations

import dataclasses
import stat
import zipfile

import pytest

from workbench.ingest import load
from workbench.ingest.archive import UnsafeArchive, extract, safe_member_path
from workbench.settings import LIMITS
from workbench.workspace import Workspace

GOOD_CSV = "a,b\n1,2\n"


def make_zip(path, members, compression=zipfile.ZIP_DEFLATED):
    """`members`: name -> text/bytes, or a ZipInfo -> text/bytes."""
    with zipfile.ZipFile(path, "w", compression) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def assert_refused_and_nothing_left(ws, archive, message):
    results = load(ws, [archive])
    assert len(results) == 1 and not results[0].ok
    assert message in results[0].error
    assert ws.tables() == []
    extracted = ws.downloads / "extracted"
    assert not extracted.exists() or not any(p.is_file() for p in extracted.rglob("*"))


def symlink_member(name):
    info = zipfile.ZipInfo(name)
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info


@pytest.mark.parametrize(
    ("hostile", "message"),
    [
        ("../escape.csv", "points outside the archive"),
        ("data/../../escape.csv", "points outside the archive"),
        ("..\\escape.csv", "points outside the archive"),
        ("/etc/cron.d/evil.csv", "has an absolute path"),
        ("C:/Windows/evil.csv", "has an absolute path"),
    ],
)
def test_zip_slip_is_refused(ws, tmp_path, hostile, message):
    # a good member first: it must not survive the refusal
    archive = make_zip(tmp_path / "slip.zip", {"good.csv": GOOD_CSV, hostile: GOOD_CSV})
    assert hostile in zipfile.ZipFile(archive).namelist()
    assert_refused_and_nothing_left(ws, archive, message)
    assert not (tmp_path / "escape.csv").exists() and not (ws.downloads / "escape.csv").exists()


def test_a_symbolic_link_member_is_refused(ws, tmp_path):
    archive = tmp_path / "link.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("good.csv", GOOD_CSV)
        zf.writestr(symlink_member("passwd.csv"), "/etc/passwd")
    assert_refused_and_nothing_left(ws, archive, "is a symbolic link")


def small_limits(**changes):
    return dataclasses.replace(LIMITS, **changes)


def test_a_zip_bomb_by_ratio_is_refused(tmp_path):
    ws = Workspace(tmp_path / "ws", limits=small_limits(zip_max_ratio=20))
    archive = make_zip(tmp_path / "bomb.zip", {"good.csv": GOOD_CSV, "zeros.csv": b"0" * (3 << 20)})
    (info,) = [i for i in zipfile.ZipFile(archive).infolist() if i.filename == "zeros.csv"]
    assert info.file_size / info.compress_size > 20
    assert_refused_and_nothing_left(ws, archive, "expands more than 20 times its compressed size")


def test_a_zip_bomb_by_total_size_is_refused(tmp_path):
    ws = Workspace(tmp_path / "ws", limits=small_limits(zip_max_total_bytes=10_000))
    rows = "".join(f"{i},{i * 7919 % 10007}\n" for i in range(2_000))  # ~20 kB, not very compressible
    archive = make_zip(tmp_path / "big.zip", {"one.csv": "a,b\n" + rows[:5_000], "two.csv": "a,b\n" + rows})
    assert_refused_and_nothing_left(ws, archive, "expands to more than 10,000 bytes")


def test_extract_stops_at_the_total_cap_and_removes_what_it_wrote(tmp_path):
    archive = make_zip(tmp_path / "ok.zip", {"data.csv": "a,b\n" + "1,2\n" * 1000})
    limits = small_limits(zip_max_total_bytes=4_003)
    with pytest.raises(UnsafeArchive, match="expands to more than 4,003 bytes"):
        extract(archive, tmp_path / "out", limits)
    assert not (tmp_path / "out").exists()


def test_too_many_members_are_refused(tmp_path):
    ws = Workspace(tmp_path / "ws", limits=small_limits(zip_max_members=3))
    archive = make_zip(tmp_path / "many.zip", {f"f{i}.csv": GOOD_CSV for i in range(4)})
    assert_refused_and_nothing_left(ws, archive, "holds 4 files, more than the limit of 3")


def test_a_corrupt_zip_is_reported(ws, tmp_path):
    not_a_zip = tmp_path / "broken.zip"
    not_a_zip.write_bytes(b"PK\x03\x04 this is not really a zip archive")
    assert_refused_and_nothing_left(ws, not_a_zip, "broken.zip is not a readable zip archive")


def test_a_member_with_damaged_data_is_reported(ws, tmp_path):
    archive = make_zip(tmp_path / "damaged.zip", {"data.csv": "a,b\n" + "1,2\n" * 500}, zipfile.ZIP_STORED)
    raw = bytearray(archive.read_bytes())
    at = raw.index(b"1,2\n1,2")
    raw[at : at + 4] = b"9,9\n"  # the CRC no longer matches
    archive.write_bytes(bytes(raw))
    assert_refused_and_nothing_left(ws, archive, "damaged.zip is damaged and could not be extracted")


def test_a_safe_archive_imports_and_mac_junk_is_ignored(ws, tmp_path):
    archive = make_zip(
        tmp_path / "fine.zip",
        {"folder/": "", "folder/data.csv": GOOD_CSV, "__MACOSX/folder/._data.csv": "junk", "folder/.DS_Store": "x"},
    )
    results = load(ws, [archive])
    assert [(r.label, r.table) for r in results] == [("fine.zip/folder/data.csv", "data")]
    extracted = [p for p in (ws.downloads / "extracted").rglob("*") if p.is_file()]
    assert [p.name for p in extracted] == ["data.csv"]


def test_loading_the_same_archive_again_extracts_afresh(ws, tmp_path):
    archive = make_zip(tmp_path / "again.zip", {"data.csv": GOOD_CSV})
    assert [r.table for r in load(ws, [archive])] == ["data"]
    assert [r.table for r in load(ws, [archive])] == ["data_2"]


def test_an_archive_inside_an_archive_is_not_opened(ws, tmp_path):
    inner = make_zip(tmp_path / "inner.zip", {"x.csv": GOOD_CSV})
    outer = make_zip(tmp_path / "outer.zip", {"inner.zip": inner.read_bytes(), "y.csv": GOOD_CSV})
    results = {r.label: r for r in load(ws, [outer])}
    assert results["outer.zip/inner.zip"].skipped == "archives inside archives are not opened"
    assert results["outer.zip/y.csv"].table == "y"


@pytest.mark.parametrize(
    ("name", "expected"),
    [("a/b.csv", "a/b.csv"), ("a\\b.csv", "a/b.csv"), ("dir/", None), ("__MACOSX/a", None), ("a/._b", None)],
)
def test_safe_member_path(name, expected):
    result = safe_member_path(name)
    assert (None if result is None else result.as_posix()) == expected


def test_two_members_of_the_same_name_are_both_imported(ws, tmp_path):
    archive = tmp_path / "dup.zip"
    with zipfile.ZipFile(archive, "w") as zf, pytest.warns(UserWarning, match="Duplicate name"):
        zf.writestr("d.csv", "a\n1\n")
        zf.writestr("d.csv", "a\n2\n3\n")
    results = load(ws, [archive])
    assert sorted((r.label, r.table, r.rows) for r in results) == [
        ("dup.zip/d (2).csv", "d_2", 2),
        ("dup.zip/d.csv", "d", 1),
    ]
    with ws.connect() as con:
        assert con.execute("SELECT a FROM d").fetchall() == [(1,)]
        assert con.execute("SELECT a FROM d_2 ORDER BY a").fetchall() == [(2,), (3,)]


def patch_member_headers(archive, offset_local, offset_central, value):
    """Rewrite a little-endian field in every local and central header (zipfile never writes these)."""
    raw = bytearray(archive.read_bytes())
    for signature, offset in ((b"PK\x03\x04", offset_local), (b"PK\x01\x02", offset_central)):
        at = raw.find(signature)
        while at >= 0:
            raw[at + offset : at + offset + 2] = value(int.from_bytes(raw[at + offset : at + offset + 2], "little"))
            at = raw.find(signature, at + 4)
    archive.write_bytes(bytes(raw))
    return archive


def test_an_encrypted_member_is_refused_with_a_reason(ws, tmp_path):
    archive = make_zip(tmp_path / "secret.zip", {"good.csv": GOOD_CSV, "d.csv": GOOD_CSV})
    patch_member_headers(archive, 6, 8, lambda flags: (flags | 1).to_bytes(2, "little"))
    assert_refused_and_nothing_left(
        ws, archive, "'good.csv' in secret.zip is encrypted: unzip it with its password and load the extracted files."
    )


def test_a_deflate64_member_is_refused_with_a_reason(ws, tmp_path):
    archive = make_zip(tmp_path / "d64.zip", {"d.csv": GOOD_CSV})
    patch_member_headers(archive, 8, 10, lambda _method: (9).to_bytes(2, "little"))
    assert_refused_and_nothing_left(ws, archive, "'d.csv' in d64.zip is compressed with Deflate64, which the workbench")


def test_an_empty_archive_says_so(ws, tmp_path):
    archive = make_zip(tmp_path / "empty.zip", {})
    assert_refused_and_nothing_left(ws, archive, "empty.zip holds no files: there is nothing to import.")


def test_members_that_make_no_table_are_not_left_extracted(ws, tmp_path):
    """Only the imported member stays in downloads/extracted (its provenance points at it)."""
    inner = make_zip(tmp_path / "inner.zip", {"x.csv": GOOD_CSV})
    archive = make_zip(tmp_path / "some.zip", {"good.csv": GOOD_CSV, "bad.json": '[{"a": ', "inner.zip":
                                               inner.read_bytes(), "notes/README.md": "docs"})  # fmt: skip
    results = {r.label: r for r in load(ws, [archive])}
    assert results["some.zip/good.csv"].table == "good"
    assert not results["some.zip/bad.json"].ok and results["some.zip/inner.zip"].skipped
    extracted = ws.downloads / "extracted"
    assert [p.relative_to(extracted).parts[1:] for p in extracted.rglob("*") if p.is_file()] == [("good.csv",)]
    assert [p.name for p in extracted.rglob("*") if p.is_dir()] == [p.name for p in extracted.iterdir()]


def test_an_archive_that_makes_no_table_leaves_nothing_extracted(ws, tmp_path):
    inner = make_zip(tmp_path / "inner.zip", {"x.csv": GOOD_CSV})
    archive = make_zip(tmp_path / "outer.zip", {"inner.zip": inner.read_bytes()})
    (result,) = load(ws, [archive])
    assert result.skipped == "archives inside archives are not opened"
    assert list((ws.downloads / "extracted").iterdir()) == []
