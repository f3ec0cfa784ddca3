"""REFI-QDA exchange: a corpus or a screening sheet as a ``.qdpx`` project, and coded projects back.

Researchers code in QualCoder, MAXQDA, NVivo or ATLAS.ti; those tools exchange projects in the
REFI-QDA standard (QDA-XML 1.0, ``urn:QDA-XML:project:1.0``): a zip holding ``project.qde`` (the
XML) and the sources' text under ``sources/``. This module writes such a project and reads one
back, so a coder can work in the tool they know and the codes still reach a validated corpus.

How the corpus maps onto the standard (docs/fieldwork.md says the same for coders):

- each **report** is a ``TextSource`` named by its id; its text (``sources/<guid>.txt``) is the
  Russian title and text (or excerpt); every report field is a ``Variable`` value of the source
  (``date`` as a Date, the rest as Text), so the import rebuilds the report from the variables;
- the **codebook** is a tree: each category a non-codable ``Code`` carrying its label and
  definition, under it one non-codable code per mode, under that the codable leaves named
  ``<category>/<mode>/<level>`` (``economic/cooperation/main``). Import maps codes by that leaf
  name alone, so a tool that moves codes around in the tree changes nothing. Two ``Set`` elements,
  ``main`` and ``secondary``, list the leaves of each level;
- each **coder** is a ``User``; a **code** is a ``Coding`` by that user, on the whole source or on
  a ``PlainTextSelection`` of it (coding a passage codes the report: two passages with one code
  are one code); a coder's **note** on a code is a ``Note`` the coding refers to; the report's
  **screening note** is a ``Note`` the source refers to.

Reading is defensive: the zip's members are never extracted, ``project.qde`` is read with a size
limit, a document type declaration (the door to entity expansion) is refused, and every problem
(an unknown code, a coding on a source without a report id, a coding by nobody) is one line naming
the element, with nothing written.
"""

from __future__ import annotations

import os
import re
import uuid
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from kzperception.atomic import atomic_target
from kzperception.data.codebook import Codebook
from kzperception.data.corpus import (
    REPORT_COLUMNS,
    Corpus,
    CorpusError,
    corpus_from_frames,
    load_corpus,
    write_corpus,
)
from kzperception.data.vocabulary import LEVELS, Vocabulary

NS = "urn:QDA-XML:project:1.0"
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
PROJECT_FILE = "project.qde"
#: The largest ``project.qde`` read (bytes, uncompressed): far above any corpus of reports, far
#: below what would exhaust memory; a zip declaring more is refused before it is inflated.
MAX_PROJECT_BYTES = 512 * 1024 * 1024
#: Characters XML 1.0 cannot carry (a scraped value holding one cannot become a variable).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_GUID_SPACE = uuid.UUID("6f1c5d3e-8a43-5b8e-9c1e-4b7a2d0e9f11")
#: Report fields written as source variables (``date`` typed as a date).
VARIABLE_FIELDS: tuple[str, ...] = tuple(c for c in REPORT_COLUMNS if c != "note")


def _guid(*key: str) -> str:
    """A stable GUID for one element: the same corpus exports to the same file, byte for byte."""
    return str(uuid.uuid5(_GUID_SPACE, "\x1f".join(key)))


def _q(tag: str, ns: str = NS) -> str:
    return f"{{{ns}}}{tag}"


def code_name(category: str, mode: str, level: str) -> str:
    """The name of a codable leaf, the key codes are mapped by on import."""
    return f"{category}/{mode}/{level}"


def codebook_leaves(codebook: Codebook) -> dict[str, tuple[str, str, str]]:
    """Every codable leaf name of ``codebook`` -> ``(category, mode, level)``, in codebook order."""
    return {
        code_name(cat.id, mode, level): (cat.id, mode, level)
        for cat in codebook.categories
        for mode in cat.modes
        for level in LEVELS
    }


# --------------------------------------------------------------------------------------------
# Writing


@dataclass(frozen=True)
class ProjectInput:
    """What a project is made from: reports (all-text frame), codes (may be empty), coders."""

    reports: pd.DataFrame
    codes: pd.DataFrame
    coders: Sequence[str]
    name: str


def _codes_element(parent: ET.Element, codebook: Codebook, ns: str) -> None:
    codes = ET.SubElement(parent, _q("Codes", ns))
    for cat in codebook.categories:
        top = ET.SubElement(codes, _q("Code", ns), guid=_guid("code", cat.id), name=cat.id, isCodable="false")
        ET.SubElement(top, _q("Description", ns)).text = f"{cat.label}: {cat.definition}"
        for mode in cat.modes:
            middle = ET.SubElement(
                top, _q("Code", ns), guid=_guid("code", cat.id, mode), name=f"{cat.id}/{mode}", isCodable="false"
            )
            for level in LEVELS:
                ET.SubElement(
                    middle,
                    _q("Code", ns),
                    guid=_guid("code", cat.id, mode, level),
                    name=code_name(cat.id, mode, level),
                    isCodable="true",
                )


def _sets_element(parent: ET.Element, codebook: Codebook, ns: str) -> None:
    sets = ET.SubElement(parent, _q("Sets", ns))
    for level in LEVELS:
        member = ET.SubElement(sets, _q("Set", ns), guid=_guid("set", level), name=level)
        ET.SubElement(member, _q("Description", ns)).text = f"the {level} codes of every category and mode"
        for cat in codebook.categories:
            for mode in cat.modes:
                ET.SubElement(member, _q("MemberCode", ns), targetGUID=_guid("code", cat.id, mode, level))


def _text(value: object) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return str(value)


def _source_text(rec: Mapping[str, object]) -> str:
    """What a coder reads: the Russian title, then the full text when exported from a screening
    sheet, else the excerpt the corpus keeps."""
    body = _text(rec.get("text_ru")) or _text(rec.get("excerpt_ru"))
    return "\n\n".join(part for part in (_text(rec.get("title_ru")), body) if part)


def _check_xml_values(reports: pd.DataFrame, codes: pd.DataFrame) -> None:
    problems = []
    for frame, name, key in ((reports, "reports", "id"), (codes, "codes", "report_id")):
        for i, rec in enumerate(frame.to_dict("records")):
            for field, value in rec.items():
                if _NOT_XML.search(_text(value)):
                    problems.append(
                        f"{name}: row {i + 1} ({_text(rec.get(key))!r}): {field}: a control "
                        "character XML cannot carry; remove it before exporting"
                    )
    if problems:
        raise CorpusError(problems)


def _check_codes_in_codebook(codes: pd.DataFrame, codebook: Codebook, codebook_name: str) -> None:
    """Refuse, in one line naming the report and the code, a code ``codebook`` has no leaf for.

    Why: written anyway, its ``CodeRef`` would point at no ``Code``; the file still passes the
    schema (which does not check references), a QDA tool shows a coding of nothing, and the
    import refuses the project. Better to say so before anything is written.
    """
    leaves = codebook_leaves(codebook)
    bad = [
        (_text(rec["report_id"]), code_name(_text(rec["category"]), _text(rec["mode"]), _text(rec["level"])))
        for rec in codes.to_dict("records")
        if code_name(_text(rec["category"]), _text(rec["mode"]), _text(rec["level"])) not in leaves
    ]
    if bad:
        rid, name = bad[0]
        more = f" ({len(bad) - 1} more coding(s) of codes it lacks)" if len(bad) > 1 else ""
        raise CorpusError(
            [
                f"codes: report {rid!r}: code {name!r} is not in {codebook_name}{more}; export with the "
                "corpus's own codebook (leave out --codebook) or one that has it"
            ]
        )


def project_xml(
    data: ProjectInput, codebook: Codebook, origin: str, codebook_name: str = "the codebook"
) -> tuple[bytes, dict[str, str]]:
    """``project.qde`` as bytes and the source texts (``sources/<guid>.txt`` -> text).

    Every code must be a leaf of ``codebook`` (``codebook_name`` is how the refusal names it):
    a project never holds a coding that refers to no code.
    """
    reports = data.reports.reset_index(drop=True)
    codes = data.codes.reset_index(drop=True)
    _check_xml_values(reports, codes)
    _check_codes_in_codebook(codes, codebook, codebook_name)
    ET.register_namespace("", NS)
    project = ET.Element(_q("Project"), name=data.name, origin=origin)
    users = ET.SubElement(project, _q("Users"))
    coders = list(dict.fromkeys([*data.coders, *(str(c) for c in codes.get("coder", []))]))
    for coder in coders:
        ET.SubElement(users, _q("User"), guid=_guid("user", coder), name=coder, id=coder)
    if not coders:
        project.remove(users)
    else:
        project.set("creatingUserGUID", _guid("user", coders[0]))
    _codes_element(ET.SubElement(project, _q("CodeBook")), codebook, NS)
    variables = ET.SubElement(project, _q("Variables"))
    for field in VARIABLE_FIELDS:
        var = ET.SubElement(
            variables,
            _q("Variable"),
            guid=_guid("variable", field),
            name=field,
            typeOfVariable="Date" if field == "date" else "Text",
        )
        ET.SubElement(var, _q("Description")).text = f"the report's {field} (docs/corpus.md)"
    sources = ET.SubElement(project, _q("Sources"))
    notes: list[ET.Element] = []
    texts: dict[str, str] = {}
    by_report: dict[str, list[dict[str, object]]] = {}
    for rec in codes.to_dict("records"):
        by_report.setdefault(_text(rec["report_id"]), []).append(rec)
    for rec in reports.to_dict("records"):
        rid = _text(rec["id"])
        guid = _guid("source", rid)
        texts[f"{guid}.txt"] = _source_text(rec)
        source = ET.SubElement(sources, _q("TextSource"), guid=guid, name=rid, plainTextPath=f"internal://{guid}.txt")
        for code in by_report.get(rid, []):
            coder = _text(code.get("coder")) or "primary"
            key = (rid, coder, _text(code["category"]), _text(code["mode"]), _text(code["level"]))
            coding = ET.SubElement(source, _q("Coding"), guid=_guid("coding", *key), creatingUser=_guid("user", coder))
            ET.SubElement(coding, _q("CodeRef"), targetGUID=_guid("code", *key[2:]))
            memo = _text(code.get("note"))
            if memo.strip():
                note_guid = _guid("note", *key)
                ET.SubElement(coding, _q("NoteRef"), targetGUID=note_guid)
                notes.append(_note(note_guid, f"{coder} on {rid}: {code_name(*key[2:])}", memo, coder))
        screening = _text(rec.get("note"))
        if screening.strip():
            note_guid = _guid("note", rid)
            ET.SubElement(source, _q("NoteRef"), targetGUID=note_guid)
            notes.append(_note(note_guid, f"screening note on {rid}", screening, None))
        for field in VARIABLE_FIELDS:
            value = _text(rec.get(field))
            if value == "":
                continue
            vv = ET.SubElement(source, _q("VariableValue"))
            ET.SubElement(vv, _q("VariableRef"), targetGUID=_guid("variable", field))
            ET.SubElement(vv, _q("DateValue" if field == "date" else "TextValue")).text = value
    if not len(sources):
        raise CorpusError(["no reports to export"])
    if notes:
        holder = ET.SubElement(project, _q("Notes"))
        holder.extend(notes)
    _sets_element(project, codebook, NS)
    ET.SubElement(project, _q("Description")).text = (
        "Exported by kzperception. Code a report with the leaves named <category>/<mode>/<level>; "
        "a note on a coding is the coder's note on that code; each source's variables are its report fields."
    )
    ET.indent(project, space=" ")
    return ET.tostring(project, encoding="utf-8", xml_declaration=True), texts


def _note(guid: str, name: str, text: str, coder: str | None) -> ET.Element:
    note = ET.Element(_q("Note"), guid=guid, name=name)
    if coder is not None:
        note.set("creatingUser", _guid("user", coder))
    ET.SubElement(note, _q("PlainTextContent")).text = text
    return note


def codebook_xml(codebook: Codebook, origin: str) -> bytes:
    """A REFI-QDA codebook (``.qdc``, ``urn:QDA-XML:codebook:1.0``): the same codes and sets."""
    ET.register_namespace("", CODEBOOK_NS)
    root = ET.Element(_q("CodeBook", CODEBOOK_NS), origin=origin)
    _codes_element(root, codebook, CODEBOOK_NS)
    _sets_element(root, codebook, CODEBOOK_NS)
    ET.indent(root, space=" ")
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _refuse_existing(path: Path, force: bool) -> None:
    if path.exists() and not force:
        raise CorpusError([f"{path}: already exists; use --force to replace it or choose another --out"])
    if path.exists() and not path.is_file():
        raise CorpusError([f"{path}: exists and is not a file"])


def write_project(
    data: ProjectInput,
    codebook: Codebook,
    path: str | os.PathLike[str],
    *,
    origin: str,
    force: bool = False,
    codebook_name: str = "the codebook",
) -> Path:
    """Write ``path`` (a ``.qdpx`` zip) whole, or nothing; an existing file only with ``force``."""
    path = Path(path)
    _refuse_existing(path, force)
    xml, texts = project_xml(data, codebook, origin, codebook_name)
    with atomic_target(path) as tmp, zipfile.ZipFile(tmp, "x", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo(PROJECT_FILE, (1980, 1, 1, 0, 0, 0)), xml, zipfile.ZIP_DEFLATED)
        for name, text in texts.items():
            archive.writestr(
                zipfile.ZipInfo(f"sources/{name}", (1980, 1, 1, 0, 0, 0)), text.encode("utf-8"), zipfile.ZIP_DEFLATED
            )
    return path


def write_codebook(codebook: Codebook, path: str | os.PathLike[str], *, origin: str, force: bool = False) -> Path:
    """Write the ``.qdc`` codebook whole, or nothing; an existing file only with ``force``."""
    path = Path(path)
    _refuse_existing(path, force)
    with atomic_target(path) as tmp:
        tmp.write_bytes(codebook_xml(codebook, origin))
    return path


# --------------------------------------------------------------------------------------------
# Reading


def read_project_xml(path: str | os.PathLike[str]) -> ET.Element:
    """The root of ``project.qde`` inside a ``.qdpx`` (or of a bare ``.qde``), read defensively."""
    path = Path(path)
    if not path.is_file():
        raise CorpusError([f"{path}: file missing (a .qdpx project exported by a QDA tool)"])
    try:
        with open(path, "rb") as handle:
            is_zip = handle.read(2) == b"PK"
        if not is_zip and path.suffix.lower() != ".qde":
            raise CorpusError([f"{path}: not a readable REFI-QDA project (a .qdpx is a zip archive; this is not one)"])
        if is_zip:
            with zipfile.ZipFile(path) as archive:
                member = next((i for i in archive.infolist() if i.filename.lower() == PROJECT_FILE), None)
                if member is None:
                    raise CorpusError([f"{path}: no {PROJECT_FILE} in the archive (not a REFI-QDA project)"])
                if member.file_size > MAX_PROJECT_BYTES:
                    raise CorpusError(
                        [
                            f"{path}: {PROJECT_FILE} declares {member.file_size:,} bytes, more than "
                            f"the {MAX_PROJECT_BYTES:,} read"
                        ]
                    )
                with archive.open(member) as handle:
                    raw = handle.read(MAX_PROJECT_BYTES + 1)
        else:
            raw = path.read_bytes()[: MAX_PROJECT_BYTES + 1]
    except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError) as err:
        raise CorpusError([f"{path}: not a readable REFI-QDA project ({type(err).__name__}: {err})"]) from None
    if len(raw) > MAX_PROJECT_BYTES:
        raise CorpusError([f"{path}: {PROJECT_FILE} is larger than the {MAX_PROJECT_BYTES:,} bytes read"])
    if re.search(rb"<!DOCTYPE|<!ENTITY", raw, re.IGNORECASE):
        raise CorpusError(
            [
                f"{path}: {PROJECT_FILE} holds a document type declaration; REFI-QDA projects have "
                "none (refused: entity expansion)"
            ]
        )
    try:
        root = ET.fromstring(raw)
    except ET.ParseError as err:
        raise CorpusError([f"{path}: {PROJECT_FILE} is not well-formed XML ({err})"]) from None
    if root.tag != _q("Project"):
        raise CorpusError([f"{path}: the root element is {root.tag!r}, not a REFI-QDA Project ({NS})"])
    return root


def _all(root: ET.Element, path: str) -> Iterable[ET.Element]:
    return root.iterfind(path, {"q": NS})


@dataclass
class _Read:
    reports: list[dict[str, str | None]]
    codes: list[dict[str, str | None]]
    origins: list[str]  # per code: which source and coding it came from
    report_origins: list[str]


def _users(root: ET.Element, where: str, problems: list[str]) -> dict[str, str]:
    from kzperception.fieldwork.sheets import coder_problem

    users: dict[str, str] = {}
    for user in _all(root, "q:Users/q:User"):
        guid, name = (user.get("guid") or "").strip("{}").lower(), (user.get("name") or "").strip()
        problem = coder_problem(name)
        if problem:
            problems.append(f"{where}: User {user.get('guid')!r}: name {name!r} {problem}")
        users[guid] = name
    return users


def _code_names(root: ET.Element) -> dict[str, str]:
    return {(c.get("guid") or "").strip("{}").lower(): (c.get("name") or "").strip() for c in root.iter(_q("Code"))}


def _variable_value(vv: ET.Element, names: Mapping[str, str]) -> tuple[str, str] | None:
    ref = vv.find("q:VariableRef", {"q": NS})
    if ref is None:
        return None
    name = names.get((ref.get("targetGUID") or "").strip("{}").lower())
    value = next((child.text or "" for child in vv if child.tag != _q("VariableRef")), "")
    return (name, value) if name else None


def _codings(source: ET.Element) -> Iterable[ET.Element]:
    """A source's codings: on the whole source and on every selection of its text."""
    yield from source.iterfind("q:Coding", {"q": NS})
    for selection in source.iterfind("q:PlainTextSelection", {"q": NS}):
        yield from selection.iterfind("q:Coding", {"q": NS})


def read_project(
    path: str | os.PathLike[str], codebook: Codebook, vocabulary: Vocabulary | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A coded project as interchange frames (reports, codes with ``coder`` and ``note``), validated.

    Codes are mapped by their leaf name (:func:`code_name`) against ``codebook``, and the frames
    validated against ``vocabulary`` (default: the project's partners and websites with
    ``codebook``'s categories). Raises :class:`CorpusError` with one line per problem, each naming
    the source, coding or code.
    """
    vocabulary = vocabulary or Vocabulary.default().with_codebook(codebook)
    path = Path(path)
    where = path.name
    root = read_project_xml(path)
    problems: list[str] = []
    users = _users(root, where, problems)
    code_names = _code_names(root)
    leaves = codebook_leaves(codebook)
    variables = {
        (v.get("guid") or "").strip("{}").lower(): (v.get("name") or "").strip()
        for v in _all(root, "q:Variables/q:Variable")
    }
    notes = {
        (n.get("guid") or "").strip("{}").lower(): "".join(n.findtext("q:PlainTextContent", "", {"q": NS}))
        for n in _all(root, "q:Notes/q:Note")
    }

    def note_text(element: ET.Element) -> str:
        found = [
            notes.get((r.get("targetGUID") or "").strip("{}").lower()) for r in element.iterfind("q:NoteRef", {"q": NS})
        ]
        return "\n\n".join(t for t in found if t and t.strip())

    read = _Read([], [], [], [])
    seen: dict[tuple[str, str, str, str, str], int] = {}
    unknown: dict[str, list[str]] = {}
    sources_seen: dict[str, str] = {}
    for source in _all(root, "q:Sources/*"):
        label = f"{where}: {source.tag.split('}')[-1]} {source.get('name')!r}"
        values = dict(
            filter(None, (_variable_value(vv, variables) for vv in source.iterfind("q:VariableValue", {"q": NS})))
        )
        rid = values.get("id", "").strip()
        codings = list(_codings(source))
        if not rid:
            if codings:
                problems.append(
                    f"{label}: a coding on a source with no 'id' variable: not a report of this "
                    "corpus (sources added in the QDA tool cannot be imported)"
                )
            continue
        if rid in sources_seen:
            problems.append(f"{label}: id {rid!r} is also the id of {sources_seen[rid]}")
            continue
        sources_seen[rid] = repr(source.get("name"))
        report: dict[str, str | None] = dict.fromkeys(REPORT_COLUMNS)
        report.update({k: v for k, v in values.items() if k in VARIABLE_FIELDS and v != ""})
        report["id"] = rid
        report["note"] = note_text(source) or None
        read.reports.append(report)
        read.report_origins.append(label)
        for coding in codings:
            ref = coding.find("q:CodeRef", {"q": NS})
            target = (ref.get("targetGUID") or "").strip("{}").lower() if ref is not None else ""
            name = code_names.get(target)
            at = f"{label}: Coding {coding.get('guid')!r}"
            if name is None:
                problems.append(f"{at}: refers to code {target!r}, which is not in the project's codebook")
                continue
            if name not in leaves:  # one line per unknown code, however many codings use it
                unknown.setdefault(name, []).append(at)
                continue
            user = (coding.get("creatingUser") or "").strip("{}").lower()
            if not user:
                problems.append(f"{at}: no creatingUser: whose code it is cannot be told")
                continue
            if user not in users:
                problems.append(f"{at}: creatingUser {user!r} is not a User of the project")
                continue
            category, mode, level = leaves[name]
            key = (rid, users[user], category, mode, level)
            memo = note_text(coding)
            if key in seen:  # a second passage with the same code: one code, the notes joined
                earlier = read.codes[seen[key]]
                if memo and memo not in str(earlier["note"] or ""):
                    earlier["note"] = "\n\n".join(t for t in (earlier["note"], memo) if t)
                continue
            seen[key] = len(read.codes)
            read.codes.append(
                {
                    "report_id": rid,
                    "category": category,
                    "mode": mode,
                    "level": level,
                    "coder": users[user],
                    "note": memo or None,
                }
            )
            read.origins.append(at)
    for name, uses in unknown.items():
        more = f" and {len(uses) - 1} more coding(s)" if len(uses) > 1 else ""
        problems.append(
            f"{uses[0]}{more}: code {name!r} is not a code of the codebook (codes are named "
            "<category>/<mode>/<level>, e.g. 'economic/cooperation/main'; a project of a corpus with its "
            "own codebook.yaml is imported with --codebook that file)"
        )
    if not read.reports and not problems:
        problems.append(f"{where}: no source with an 'id' variable: nothing to import")
    if problems:
        raise CorpusError(problems)
    reports = pd.DataFrame(read.reports, columns=list(REPORT_COLUMNS), dtype=object)
    codes = pd.DataFrame(read.codes, columns=["report_id", "category", "mode", "level", "coder", "note"], dtype=object)
    try:
        corpus_from_frames(reports, codes, vocabulary)
    except CorpusError as err:
        raise CorpusError(_relocate(err.problems, read.report_origins, read.origins)) from None
    return reports, codes


_LOADER_LINE = re.compile(r"^(reports|codes)\.csv:(\d+): ([^:]+): (.*)$", re.DOTALL)


def _relocate(problems: Sequence[str], report_origins: Sequence[str], code_origins: Sequence[str]) -> list[str]:
    """The loader's ``reports.csv:N`` / ``codes.csv:N`` as the source or coding in the project."""
    out = []
    for line in problems:
        match = _LOADER_LINE.match(line)
        if not match:
            out.append(line)
            continue
        which, number, field, message = match.groups()
        origins = report_origins if which == "reports" else code_origins
        index = int(number) - 2
        out.append(f"{origins[index]}: {field}: {message}" if 0 <= index < len(origins) else line)
    return out


def write_project_import(
    path: str | os.PathLike[str],
    folder: str | os.PathLike[str],
    codebook_path: str | os.PathLike[str] | None = None,
    *,
    force: bool = False,
) -> Corpus:
    """``code import FILE.qdpx``: validate the project, then write the corpus whole (nothing on failure).

    Codes are mapped to ``codebook_path`` (``--codebook``; default the project's codebook); given
    one, the corpus carries it as its ``codebook.yaml`` (and its ``datapackage.json`` allows its
    categories), so a project exported from a corpus with an added category comes back whole.
    """
    from kzperception.fieldwork.sheets import imported_vocabulary

    book, vocabulary, files = imported_vocabulary(codebook_path)
    reports, codes = read_project(path, book, vocabulary)
    write_corpus(reports, codes, folder, force=force, vocabulary=vocabulary, vocabulary_files=files)
    return load_corpus(folder)
