"""REFI-QDA exchange (kzperception.fieldwork.refi): schema conformance, round trips, refusals.

Every corpus here is synthetic test data (provenance ``synthetic``), made up for these tests.
"""

from __future__ import annotations

import io
import uuid
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from kzperception import paths
from kzperception.cli.fieldwork import register
from kzperception.data.codebook import default_codebook
from kzperception.data.corpus import CorpusError, load_corpus, write_corpus
from kzperception.fieldwork import refi
from tests.conftest import missing, write_health_codebook

SCHEMA = paths.ROOT.parent / "shared" / "refi" / "Project-mrt2019.xsd"
NS = {"q": refi.NS}

#: report -> coder -> [(category, mode, level, note)] (synthetic).
CODING = {
    "r1-china": {
        "anna": [
            ("economic", "cooperation", "main", "trade deal, 2 paragraphs"),
            ("cultural", "cooperation", "secondary", ""),
        ],
        "boris": [("economic", "cooperation", "main", "")],
    },
    "r2-russia": {
        "anna": [("security_military", "non_cooperation", "main", "")],
        "boris": [("political_diplomatic", "cooperation", "main", 'visit; <b>&amp; "quoted"')],
    },
    "r3-china": {
        "anna": [("cross_border", "cooperation", "main", "")],
        "boris": [("cross_border", "cooperation", "main", ""), ("environmental", "cooperation", "secondary", "water")],
    },
}


def _corpus(tmp_path: Path) -> Path:
    reports = pd.DataFrame(
        {
            "id": list(CODING),
            "country": ["china", "russia", "china"],
            "website": "government",
            "entity": "mfa",
            "date": ["2021-03-01", "2022-05-02", "2023-01-09"],
            "title_ru": ["Казахстан и Китай", "=Визит & <встреча>", "Граница"],
            "excerpt_ru": ["Торговля выросла.", "Переговоры.", "Вода и граница."],
            "provenance": "synthetic",
            "note": ["screened in: trade", "", "a devoted paragraph\nsecond line"],
        }
    )
    codes = pd.DataFrame(
        [
            {"report_id": rid, "category": c, "mode": m, "level": lv, "coder": coder, "note": note or None}
            for rid, by in CODING.items()
            for coder, rows in by.items()
            for c, m, lv, note in rows
        ]
    )
    return write_corpus(reports, codes, tmp_path / "corpus")


def _codes_of(folder: Path) -> set[tuple[str, str, str, str, str, str]]:
    codes = load_corpus(folder).codes
    return {
        (
            str(r.report_id),
            str(r.coder),
            str(r.category),
            str(r.mode),
            str(r.level),
            "" if pd.isna(r.note) else str(r.note),
        )
        for r in codes.itertuples()
    }


def _app() -> typer.Typer:
    app = typer.Typer()
    register(app)
    return app


def _run(args: list[str], code: int = 0):
    result = CliRunner().invoke(_app(), args)
    assert result.exit_code == code, result.output
    return result


def _export(tmp_path: Path) -> tuple[Path, Path]:
    corpus = _corpus(tmp_path)
    out = tmp_path / "project.qdpx"
    _run(["code", "export", "--corpus", str(corpus), "--format", "qdpx", "--out", str(out)])
    return corpus, out


def _qde(path: Path) -> bytes:
    with zipfile.ZipFile(path) as archive:
        return archive.read("project.qde")


def _rewrite(path: Path, edit) -> None:
    """Edit project.qde inside the zip as a QDA tool would save it (other members kept)."""
    with zipfile.ZipFile(path) as archive:
        members = {i.filename: archive.read(i) for i in archive.infolist()}
    ET.register_namespace("", refi.NS)
    root = ET.fromstring(members["project.qde"])
    edit(root)
    members["project.qde"] = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)


def _schema():
    if not SCHEMA.is_file():
        missing(
            f"the REFI-QDA schema is missing ({SCHEMA}): .ci/run finds it in ../shared/refi beside the clone; "
            "KZP_ALLOW_SKIP=1 skips these tests instead"
        )
    import xmlschema

    return xmlschema.XMLSchema(str(SCHEMA))


def test_exported_project_validates_against_the_refi_schema(tmp_path: Path) -> None:
    schema = _schema()
    _, out = _export(tmp_path)
    schema.validate(_qde(out).decode("utf-8"))
    # and the check can fail: a coding without its CodeRef is not a REFI project
    broken = _qde(out).replace(b"<CodeRef", b"<CodeReference", 1)
    with pytest.raises(Exception, match="CodeRef"):
        schema.validate(broken.decode("utf-8"))


def test_project_from_a_screening_sheet_has_sources_and_no_codings(tmp_path: Path) -> None:
    schema = _schema()
    reports = pd.DataFrame(
        {
            "id": ["s1-china"],
            "country": ["china"],
            "website": ["president"],
            "entity": ["akorda"],
            "date": ["2022-03-01"],
            "url": ["https://example.org/1"],
            "title_ru": ["Заголовок"],
            "excerpt_ru": ["Китай."],
            "text_ru": ["Полный текст про Китай."],
            "provenance": ["synthetic"],
            "note": ["looks devoted"],
        }
    )
    codes = pd.DataFrame(columns=["report_id", "category", "mode", "level", "coder", "note"])
    out = refi.write_project(
        refi.ProjectInput(reports, codes, ["anna", "boris"], "screening"),
        default_codebook(),
        tmp_path / "s.qdpx",
        origin="test",
    )
    xml = _qde(out)
    schema.validate(xml.decode("utf-8"))
    root = ET.fromstring(xml)
    assert [u.get("name") for u in root.iterfind("q:Users/q:User", NS)] == ["anna", "boris"]
    assert not list(root.iter(f"{{{refi.NS}}}Coding"))
    source = root.find("q:Sources/q:TextSource", NS)
    text_file = source.get("plainTextPath").removeprefix("internal://")
    with zipfile.ZipFile(out) as archive:
        assert archive.read(f"sources/{text_file}").decode("utf-8") == "Заголовок\n\nПолный текст про Китай."


def test_codebook_qdc_has_every_leaf_and_its_codes_are_schema_valid(tmp_path: Path) -> None:
    schema = _schema()
    out = tmp_path / "codebook.qdc"
    _run(["code", "export", "--format", "qdc", "--out", str(out)])
    root = ET.fromstring(out.read_bytes())
    assert root.tag == f"{{{refi.CODEBOOK_NS}}}CodeBook"
    names = {c.get("name") for c in root.iter(f"{{{refi.CODEBOOK_NS}}}Code") if c.get("isCodable") == "true"}
    book = default_codebook()
    assert names == set(refi.codebook_leaves(book))
    assert "cross_border/non_cooperation/main" not in names  # the codebook has no such variant
    # The codebook namespace's Codes and Sets have the project's types: check them inside a Project.
    text = out.read_text(encoding="utf-8").replace(refi.CODEBOOK_NS, refi.NS)
    inner = ET.fromstring(text.encode("utf-8"))
    project = ET.Element(f"{{{refi.NS}}}Project", name="wrap")
    holder = ET.SubElement(project, f"{{{refi.NS}}}CodeBook")
    holder.append(inner.find("q:Codes", NS))
    project.append(inner.find("q:Sets", NS))
    schema.validate(ET.tostring(project, encoding="unicode"))
    _run(["code", "export", "--format", "qdc", "--out", str(out)], code=1)  # never over a file without --force


def test_round_trip_gives_back_exactly_the_codes_and_notes(tmp_path: Path) -> None:
    corpus, out = _export(tmp_path)
    _run(["code", "import", str(out), "--out", str(tmp_path / "back")])
    assert _codes_of(tmp_path / "back") == _codes_of(corpus)
    before, after = load_corpus(corpus).reports, load_corpus(tmp_path / "back").reports
    for col in ("id", "country", "website", "entity", "date", "title_ru", "excerpt_ru", "provenance", "note"):
        assert before[col].astype(str).tolist() == after[col].astype(str).tolist(), col


def test_codings_edited_as_a_qda_tool_would_come_back_exactly(tmp_path: Path) -> None:
    """A coder (a new user, cem) codes passages, one twice with a note; boris's r2 coding is deleted
    and replaced by a secondary one plus a main one: the import gives exactly these codes."""
    corpus, out = _export(tmp_path)
    root = ET.fromstring(_qde(out))
    guid_of = {c.get("name"): c.get("guid") for c in root.iter(f"{{{refi.NS}}}Code")}
    cem = str(uuid.uuid4())

    def edit(root: ET.Element) -> None:
        q = f"{{{refi.NS}}}"
        ET.SubElement(root.find("q:Users", NS), f"{q}User", guid=cem, name="cem")
        notes = root.find("q:Notes", NS)
        sources = {s.get("name"): s for s in root.iterfind("q:Sources/q:TextSource", NS)}
        r2 = sources["r2-russia"]
        for coding in list(r2.iterfind("q:Coding", NS)):
            if coding.get("creatingUser") == refi._guid("user", "boris"):
                r2.remove(coding)
        for name in ("political_diplomatic/cooperation/secondary", "economic/cooperation/main"):
            coding = ET.Element(f"{q}Coding", guid=str(uuid.uuid4()), creatingUser=refi._guid("user", "boris"))
            ET.SubElement(coding, f"{q}CodeRef", targetGUID=guid_of[name])
            r2.insert(0, coding)
        r1 = sources["r1-china"]
        note_guid = str(uuid.uuid4())
        note = ET.SubElement(notes, f"{q}Note", guid=note_guid, name="memo", creatingUser=cem)
        ET.SubElement(note, f"{q}PlainTextContent").text = "the second passage"
        for start, end, memo in ((0, 9, None), (12, 20, note_guid)):
            selection = ET.Element(
                f"{q}PlainTextSelection",
                guid=str(uuid.uuid4()),
                startPosition=str(start),
                endPosition=str(end),
                creatingUser=cem,
            )
            coding = ET.SubElement(selection, f"{q}Coding", guid=str(uuid.uuid4()), creatingUser=cem)
            ET.SubElement(coding, f"{q}CodeRef", targetGUID=guid_of["economic/cooperation/main"])
            if memo:
                ET.SubElement(coding, f"{q}NoteRef", targetGUID=memo)
            r1.insert(0, selection)

    _rewrite(out, edit)
    schema_ok = SCHEMA.is_file()
    if schema_ok:
        _schema().validate(_qde(out).decode("utf-8"))  # the edit is what a conforming tool writes
    _run(["code", "import", str(out), "--out", str(tmp_path / "back")])
    expected = {c for c in _codes_of(corpus) if not (c[0] == "r2-russia" and c[1] == "boris")}
    expected |= {
        ("r2-russia", "boris", "political_diplomatic", "cooperation", "secondary", ""),
        ("r2-russia", "boris", "economic", "cooperation", "main", ""),
        ("r1-china", "cem", "economic", "cooperation", "main", "the second passage"),
    }
    assert _codes_of(tmp_path / "back") == expected


def _one_line_refusal(tmp_path: Path, edit, needle: str) -> None:
    _, out = _export(tmp_path)
    _rewrite(out, edit)
    result = _run(["code", "import", str(out), "--out", str(tmp_path / "back")], code=1)
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and needle in errors[0], result.output
    assert not (tmp_path / "back").exists()


def _first_coding(root: ET.Element) -> ET.Element:
    return next(root.iter(f"{{{refi.NS}}}Coding"))


def test_an_unknown_code_is_refused_by_name(tmp_path: Path) -> None:
    def edit(root: ET.Element) -> None:
        code = next(c for c in root.iter(f"{{{refi.NS}}}Code") if c.get("name") == "economic/cooperation/main")
        code.set("name", "economics/cooperation/main")

    _one_line_refusal(tmp_path, edit, "'economics/cooperation/main' is not a code of the codebook")


def test_a_coding_on_an_unknown_source_is_refused(tmp_path: Path) -> None:
    def edit(root: ET.Element) -> None:
        q = f"{{{refi.NS}}}"
        source = ET.SubElement(
            root.find("q:Sources", NS), f"{q}TextSource", guid=str(uuid.uuid4()), name="interview.docx"
        )
        coding = ET.SubElement(source, f"{q}Coding", guid=str(uuid.uuid4()), creatingUser=refi._guid("user", "anna"))
        ET.SubElement(coding, f"{q}CodeRef", targetGUID=refi._guid("code", "economic", "cooperation", "main"))

    _one_line_refusal(tmp_path, edit, "'interview.docx': a coding on a source with no 'id' variable")


def test_a_coding_by_nobody_is_refused(tmp_path: Path) -> None:
    _one_line_refusal(tmp_path, lambda root: _first_coding(root).attrib.pop("creatingUser"), "no creatingUser")


def test_both_levels_of_one_category_are_refused_at_the_coding(tmp_path: Path) -> None:
    def edit(root: ET.Element) -> None:
        q = f"{{{refi.NS}}}"
        source = root.find("q:Sources/q:TextSource", NS)
        coding = ET.SubElement(source, f"{q}Coding", guid=str(uuid.uuid4()), creatingUser=refi._guid("user", "anna"))
        ET.SubElement(coding, f"{q}CodeRef", targetGUID=refi._guid("code", "economic", "cooperation", "secondary"))
        source.insert(0, coding)

    _one_line_refusal(tmp_path, edit, "is both main and secondary")


@pytest.mark.parametrize(
    "content, needle",
    [
        (b"not a zip", "a .qdpx is a zip archive; this is not one"),
        (b"PK\x03\x04broken", "not a readable REFI-QDA project"),
    ],
)
def test_malformed_files_are_refused_in_one_line(tmp_path: Path, content: bytes, needle: str) -> None:
    path = tmp_path / "bad.qdpx"
    path.write_bytes(content)
    result = _run(["code", "import", str(path), "--out", str(tmp_path / "back")], code=1)
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and needle in errors[0], result.output


def test_entity_expansion_and_foreign_roots_are_refused(tmp_path: Path) -> None:
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE p [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
        b'<Project xmlns="urn:QDA-XML:project:1.0" name="&b;"/>'
    )
    for name, data, needle in (
        ("bomb.qdpx", bomb, "document type declaration"),
        ("foreign.qdpx", b"<html/>", "not a REFI-QDA Project"),
    ):
        path = tmp_path / name
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("project.qde", data)
        path.write_bytes(buffer.getvalue())
        with pytest.raises(CorpusError, match=needle):
            refi.read_project(path, default_codebook())


def test_export_refuses_an_existing_file_and_values_xml_cannot_carry(tmp_path: Path) -> None:
    corpus, out = _export(tmp_path)
    before = out.read_bytes()
    _run(["code", "export", "--corpus", str(corpus), "--format", "qdpx", "--out", str(out)], code=1)
    assert out.read_bytes() == before
    _run(["code", "export", "--corpus", str(corpus), "--format", "qdpx", "--out", str(out), "--force"])
    assert out.read_bytes() == before  # deterministic: the same corpus gives the same file
    reports = pd.DataFrame(
        {"id": ["x1"], "country": ["china"], "website": ["president"], "date": ["2022-01-01"], "title_ru": ["bell\x07"]}
    )
    codes = pd.DataFrame(columns=["report_id", "category", "mode", "level", "coder"])
    with pytest.raises(CorpusError, match=r"reports: row 1 \('x1'\): title_ru: a control character"):
        refi.write_project(
            refi.ProjectInput(reports, codes, ["anna"], "x"), default_codebook(), tmp_path / "x.qdpx", origin="test"
        )
    assert not (tmp_path / "x.qdpx").exists()


def _health_corpus(tmp_path: Path) -> Path:
    """:func:`_corpus` with a codebook.yaml that adds health, and two health codes (synthetic)."""
    corpus = _corpus(tmp_path)
    write_health_codebook(corpus / "codebook.yaml")
    codes = pd.read_csv(corpus / "codes.csv", dtype=str, keep_default_na=False)
    extra = pd.DataFrame(
        [
            {"report_id": "r1-china", "category": "health", "mode": "cooperation", "level": "secondary"},
            {"report_id": "r3-china", "category": "health", "mode": "cooperation", "level": "secondary"},
        ]
    ).assign(coder="anna", note=["vaccines", ""])
    pd.concat([codes, extra], ignore_index=True).to_csv(corpus / "codes.csv", index=False)
    return corpus


def test_a_corpus_is_exported_with_its_own_codebook_and_no_coding_points_at_nothing(tmp_path: Path) -> None:
    corpus = _health_corpus(tmp_path)
    out = tmp_path / "health.qdpx"
    _run(["code", "export", "--corpus", str(corpus), "--format", "qdpx", "--out", str(out)])
    xml = _qde(out)
    if SCHEMA.is_file():
        _schema().validate(xml.decode("utf-8"))
    root = ET.fromstring(xml)
    codes = {c.get("guid"): c.get("name") for c in root.iter(f"{{{refi.NS}}}Code")}
    refs = [r.get("targetGUID") for r in root.iter(f"{{{refi.NS}}}CodeRef")]
    assert refs and all(r in codes for r in refs)  # no dangling CodeRef
    assert sum(codes[r] == "health/cooperation/secondary" for r in refs) == 2


def test_a_code_the_codebook_lacks_is_refused_naming_report_and_code(tmp_path: Path) -> None:
    corpus = _health_corpus(tmp_path)
    out = tmp_path / "health.qdpx"
    args = ["code", "export", "--corpus", str(corpus), "--format", "qdpx", "--out", str(out)]
    result = _run([*args, "--codebook", str(paths.CODEBOOK)], code=1)
    errors = [line for line in result.output.splitlines() if line.strip()]
    assert len(errors) == 1 and errors[0].startswith("error:"), result.output
    assert "'r1-china'" in errors[0] and "'health/cooperation/secondary'" in errors[0]
    assert not out.exists()


def test_a_project_with_an_added_category_comes_back_with_its_codebook(tmp_path: Path) -> None:
    """Export a corpus whose codebook adds health, import it with --codebook: the same codes, and
    a corpus carrying that codebook.yaml and a datapackage.json allowing health, which validate
    and counts read with it. Without --codebook the health codes are refused in one line."""
    import json

    from kzperception.cli import app

    corpus = _health_corpus(tmp_path)
    out = tmp_path / "health.qdpx"
    _run(["code", "export", "--corpus", str(corpus), "--format", "qdpx", "--out", str(out)])
    refused = _run(["code", "import", str(out), "--out", str(tmp_path / "plain")], code=1)
    errors = [line for line in refused.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "'health/cooperation/secondary'" in errors[0] and "--codebook" in errors[0]
    assert not (tmp_path / "plain").exists()
    back = tmp_path / "back"
    _run(["code", "import", str(out), "--out", str(back), "--codebook", str(corpus / "codebook.yaml")])
    assert _codes_of(back) == _codes_of(corpus)
    assert (back / "codebook.yaml").read_bytes() == (corpus / "codebook.yaml").read_bytes()
    package = json.loads((back / "datapackage.json").read_text(encoding="utf-8"))
    codes = next(r for r in package["resources"] if r["path"] == "codes.csv")
    enum = next(f for f in codes["schema"]["fields"] if f["name"] == "category")["constraints"]["enum"]
    assert enum[-1] == "health"
    runner = CliRunner()
    assert runner.invoke(app, ["validate", str(back)]).exit_code == 0
    counted = runner.invoke(app, ["counts", "codes", "--source", str(back), "--coder", "anna", "--format", "csv"])
    assert counted.exit_code == 0, counted.output
    assert ",health," in counted.stdout
