"""A workbook with millions of shared strings is refused fast and small, measured in a child process as a
user's run would be (issue 19). The hidden-character checks are in tests/unit/test_invisible.py."""

from __future__ import annotations

from helpers.workbooks import write_workbook


def _with_shared_strings(path, extra: int):
    """The workbook at ``path`` rewritten with ``extra`` unused shared strings (a 'strings bomb')."""
    import zipfile

    with zipfile.ZipFile(path) as book:
        parts = {info.filename: book.read(info.filename) for info in book.infolist()}
    main = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    parts["xl/sharedStrings.xml"] = (
        b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="' + main + b'">' + b"<si><t>x</t></si>" * extra + b"</sst>"
    )
    rels = parts["xl/_rels/workbook.xml.rels"]
    end = rels.rindex(b"</Relationships>")
    parts["xl/_rels/workbook.xml.rels"] = (
        rels[:end]
        + (
            b'<Relationship Id="rIdStrings" Target="sharedStrings.xml" Type="http://schemas.openxmlformats.org/'
            b'officeDocument/2006/relationships/sharedStrings"/>'
        )
        + rels[end:]
    )
    types = parts["[Content_Types].xml"]
    end = types.rindex(b"</Types>")
    parts["[Content_Types].xml"] = (
        types[:end]
        + (
            b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.'
            b'spreadsheetml.sharedStrings+xml"/>'
        )
        + types[end:]
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as book:
        for name, data in parts.items():
            book.writestr(name, data)


def test_a_workbook_with_millions_of_shared_strings_is_refused_fast_and_small(tmp_path):
    import subprocess
    import sys

    path = tmp_path / "coding-anna.xlsx"
    write_workbook(path, [["id", "economic"], ["r1", "main"]])
    _with_shared_strings(path, 3_000_000)
    assert path.stat().st_size < 1_000_000  # small on disk, large unpacked
    probe = (
        "import resource, sys, time\n"
        "from kzperception.fieldwork.sheet_cells import read_table\n"
        "from kzperception.data.corpus import CorpusError\n"
        "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "t = time.monotonic()\n"
        "try:\n    read_table(sys.argv[1])\nexcept CorpusError as err:\n    print(err)\n"
        "print(time.monotonic() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before)\n"
    )
    out = subprocess.run([sys.executable, "-c", probe, str(path)], capture_output=True, text=True, check=True)
    message, cost = out.stdout.strip().splitlines()
    assert message == (
        "coding-anna.xlsx: holds more than 250,000 shared strings, over the limit for a sheet "
        "(docs/reliability.md); save it as CSV UTF-8, which keeps only the text the cells use"
    )
    seconds, grown_kb = cost.split()
    assert float(seconds) < 5 and int(grown_kb) < 300 * 1024, cost
