"""Text files in the encodings Kaggle and spreadsheets produce: detected, never asked, decoded exactly."""

from __future__ import annotations

import codecs

import pytest

from workbench.ingest import load
from workbench.ingest.encoding import detect_encoding

HEADER = ["ville", "prix", "note"]
ROWS = [
    ("Zürich", "12,50", "très bien"),
    ("São Paulo", "9,99", "ótimo"),
    ("Kraków", "7,00", "dobrze"),
    ("Ærøskøbing", "3,50", "göd"),
]
# Windows-1252 has these where Latin-1 has control characters.
CP1252_ROWS = [
    ("Café", "5 €", "“quoted” — it’s fine"),
    ("Crème brûlée", "8 €", "naïve…"),
]


def write(path, rows, encoding, bom=b""):
    text = "\n".join(";".join(r) for r in [HEADER, *rows]) + "\n"
    path.write_bytes(bom + text.encode(encoding))
    return path


def imported(ws, path):
    (result,) = load(ws, [path])
    assert result.ok, result.error
    with ws.connect() as con:
        rows = con.execute(f'SELECT * FROM "{result.table}"').fetchall()
    return result, rows, ws.table(result.table).source_detail


@pytest.mark.parametrize(
    ("encoding", "bom", "detected"),
    [
        ("utf-8", b"", "utf-8"),
        ("utf-8", codecs.BOM_UTF8, "utf-8"),
        ("utf-16-le", codecs.BOM_UTF16_LE, "utf-16"),
        ("utf-16-be", codecs.BOM_UTF16_BE, "utf-16-be"),
        ("latin-1", b"", "latin-1"),
    ],
    ids=["utf-8", "utf-8-bom", "utf-16-le", "utf-16-be", "latin-1"],
)
def test_encodings_are_detected_and_decoded_exactly(ws, tmp_path, encoding, bom, detected):
    path = write(tmp_path / "villes.csv", ROWS, encoding, bom)
    result, rows, detail = imported(ws, path)
    assert rows == ROWS
    assert [c for c in ws.schema(result.table)["column"]] == HEADER  # no BOM glued to the first name
    assert detail["encoding"] == detected
    assert detail["delimiter"] == ";"


def test_windows_1252_euro_and_curly_quotes(ws, tmp_path):
    path = write(tmp_path / "menu.csv", CP1252_ROWS, "cp1252")
    assert b"\x80" in path.read_bytes() and b"\x93" in path.read_bytes()
    result, rows, detail = imported(ws, path)
    assert rows == CP1252_ROWS
    assert detail["encoding"] == "cp1252"
    # the lineage names the user's file, not the transcoded copy, which is gone, and says how it was read
    sql = ws.table(result.table).sql
    assert str(path) in sql and sql.startswith("-- menu.csv is cp1252: transcode it to UTF-8 first")
    assert not any((ws.downloads / ".tmp").glob("*"))


@pytest.mark.parametrize(
    ("codec", "rows"),
    [
        ("cp1251", [("Пётр", "Москва", "хорошо"), ("Анна", "Новосибирск", "отлично")]),
        ("cp1250", [("Łukasz", "Łódź", "zażółć"), ("Święty", "Gdańsk", "gęślą jaźń")]),
        ("cp1253", [("Γιώργος", "Αθήνα", "καλά"), ("Μαρία", "Θεσσαλονίκη", "πολύ")]),
    ],
)
def test_other_code_pages_are_recognised_and_transcoded(ws, tmp_path, codec, rows):
    path = write(tmp_path / "other.csv", rows, codec)
    _, got, detail = imported(ws, path)
    assert got == rows and detail["encoding"] == codec


def test_western_text_is_not_mistaken_for_a_central_european_code_page():
    """Statistical detectors call short Spanish Latin-1 text cp775 or cp1250."""
    text = "name;city\nJosé;Málaga\nFrançois;Besançon\nJürgen;München\n"
    assert detect_encoding(text.encode("latin-1")) == "latin-1"
    assert detect_encoding("price;temp\n£5;20°C\n¥300;±2\n".encode("latin-1")) == "latin-1"


def test_a_multibyte_character_cut_at_the_sample_edge_is_still_utf8(tmp_path):
    sample = ("a" * 9 + "é").encode("utf-8")[:-1]
    assert detect_encoding(sample) == "utf-8"


def test_utf8_file_larger_than_the_detection_sample(ws, tmp_path):
    """Non-ASCII text only after the first MiB: still read as UTF-8."""
    path = tmp_path / "late.csv"
    filler = "".join(f"{i},plain\n" for i in range(120_000))
    path.write_text("id,word\n" + filler + "120000,Grüße\n", encoding="utf-8")
    assert path.stat().st_size > 1 << 20
    result, _, detail = imported(ws, path)
    with ws.connect() as con:
        assert con.execute(f'SELECT word FROM "{result.table}" WHERE id = 120000').fetchone() == ("Grüße",)
    assert result.rows == 120_001 and detail["encoding"] == "utf-8"
