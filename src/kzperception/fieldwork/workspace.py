"""A researcher's workspace: a new folder from which a corpus is made and the book rerun on it.

``kzperception init DIR`` is where a study of one's own starts when the package was installed
with pip, with no checkout to copy from. The folder holds what such a study edits and nothing the
package already carries: a README that says what to do next, an empty corpus in the interchange
format (``corpus/reports.csv`` and ``corpus/codes.csv`` with their header rows only, and a README
naming the columns and rules), and copies of the thesis's vocabulary to edit: ``corpus/partners.yaml``
and ``corpus/codebook.yaml``, which the corpus loader reads from the corpus folder itself, and
``websites.yaml``, which the commands read when ``KZP_WEBSITES`` names it.

It is also a book project: a copy of what the package ships to build the book (``_config.yml``,
``_toc.yml``, ``notebooks/``, ``data/``, ``book/``'s shared pages; :data:`kzperception.paths.SHIPPED`)
and :data:`~kzperception.paths.PROJECT_MARKER`, so that every command run inside the folder reads
the project's chapters and configuration (:func:`kzperception.paths.project_root`):
``kzperception build`` builds the book into ``book/_build/html`` there, with any chapter the
researcher edited, and ``kzperception rerun --corpus corpus`` reruns those chapters on the corpus.
The marker also holds, commented out, the settings that make ``build`` run the project's book on its
corpus (``corpus``, ``start``, ``pivot``, ``end``, ``coder``; :mod:`kzperception.data.project`).

Nothing a researcher wrote is overwritten without ``force``, and nothing is half-written: the
files are made in a temporary folder beside ``DIR`` and moved in only when all of them exist.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from kzperception import paths
from kzperception.data.corpus_format import CODE_COLUMNS, CODE_REQUIRED, REPORT_COLUMNS, REPORT_REQUIRED
from kzperception.data.project import MARKER_TEXT as PROJECT_MARKER_TEXT
from kzperception.data.vocabulary import Vocabulary, vocabulary_for
from kzperception.data.window import THESIS_WINDOW

#: The corpus folder inside a workspace.
CORPUS = "corpus"
#: Vocabulary files copied from the package's data: (name in data/, where it goes in the workspace).
VOCABULARY_COPIES: tuple[tuple[str, str], ...] = (
    ("partners.yaml", f"{CORPUS}/partners.yaml"),
    ("codebook.yaml", f"{CORPUS}/codebook.yaml"),
    ("websites.yaml", "websites.yaml"),
)


class WorkspaceError(ValueError):
    """A workspace that cannot be laid out where asked; the message is one line."""


@dataclass(frozen=True)
class Workspace:
    """The folder laid out and the files written in it (relative paths, in writing order)."""

    folder: Path
    files: tuple[str, ...]

    @property
    def corpus(self) -> Path:
        return self.folder / CORPUS


def _csv_header(columns: tuple[str, ...]) -> str:
    return ",".join(columns) + "\n"


def workspace_readme(folder_name: str) -> str:
    """The README of a new workspace: what is in it and the commands to run next, in order."""
    w = THESIS_WINDOW.as_params()
    window = f"--start {w['start']} --pivot {w['pivot']} --end {w['end']}"
    return f"""# {folder_name}: a rerun of *Perception of Chinese and Russian Influence in Central Asia*

Made by `kzperception init` (kzperception {_version()}). This folder is a book project: run inside
it (or a folder below it), every `kzperception` command reads its chapters and configuration, so a
chapter you edit here is the one that runs.

| path | what it is |
| --- | --- |
| `{CORPUS}/` | your corpus: `reports.csv` and `codes.csv`, empty but for their header rows (see `{CORPUS}/README.md`) |
| `{CORPUS}/partners.yaml` | the partners (countries) the reports are about, as in the thesis; add or replace items |
| `{CORPUS}/codebook.yaml` | the categories a report is coded with: the thesis's seven; add an inductive one here |
| `websites.yaml` | the websites (`president`, `government`); used when `KZP_WEBSITES` names this file |
| `_config.yml`, `_toc.yml`, `notebooks/`, `book/` | the book: configuration, contents, chapters (MyST), to edit |
| `data/` | the thesis's published figures, register and vocabulary, as the package ships them |
| `{paths.PROJECT_MARKER}` | marks a book project (delete it to use the package's); names what `build` counts |

## What to do next

1. Edit the vocabulary if your study needs it. `{CORPUS}/partners.yaml` and `{CORPUS}/codebook.yaml`
   are read with the corpus (delete them to use the thesis's). For other websites, edit
   `websites.yaml` and `export KZP_WEBSITES="$PWD/websites.yaml"`.
2. Fill the corpus: collect, screen and code reports (`kzperception collect --help`,
   `kzperception screen --help`, `kzperception code export --help`, then
   `kzperception code import SHEETS --out {CORPUS} --force`), or type rows into the two CSV files.
   To try the rest first on made-up data: `kzperception synth --seed 1 --out demo-corpus`.
3. Check it: `kzperception validate {CORPUS}` lists every problem as `file:line: field: problem`.
4. Count it: `kzperception counts reports --source {CORPUS} {window}`.
5. Build the book as it stands (the thesis's published figures): `kzperception build`, then open
   `book/_build/html/index.html`.
6. Rerun the book on your corpus (here with the thesis's window; choose your own dates):

   ```bash
   kzperception rerun --corpus {CORPUS} {window} --out rerun
   ```

   Open `rerun/html/index.html`. `--chapters` picks some of the chapters (`kzperception rerun --help`
   lists them); running the same command again replaces `rerun/` and re-executes only what changed.
7. Or build this project's whole book on your corpus: in `{paths.PROJECT_MARKER}`, remove the `#`
   before `corpus: {CORPUS}` (and before the window's dates and `coder:` if you need them), then run
   `kzperception build`. The chapters that count reports run on the corpus, the thesis's own chapters
   keep the thesis's figures; `kzperception build --coder NAME` counts another coder's codes.
"""


def corpus_readme(vocabulary: Vocabulary) -> str:
    """The README of the empty corpus: its two files, their columns, the values the rules allow."""

    def columns(all_: tuple[str, ...], required: tuple[str, ...]) -> str:
        return ", ".join(f"`{c}`" + (" (required)" if c in required else "") for c in all_)

    return f"""# The corpus

Two UTF-8 CSV files with a header row, one row per report and one per code (the interchange format
of kzperception; every command that reads a corpus checks it and names file, line and field of each
problem: `kzperception validate .`).

- `reports.csv`: {columns(REPORT_COLUMNS, REPORT_REQUIRED)}.
  `country` is a partner id of `partners.yaml` ({", ".join(f"`{p}`" for p in vocabulary.partner_ids)}),
  `website` one of {", ".join(f"`{s}`" for s in vocabulary.website_ids)}, `date` is `YYYY-MM-DD`,
  `provenance` says where the report comes from (`collected`, `cited`, `synthetic`, ...).
- `codes.csv`: {columns(CODE_COLUMNS, CODE_REQUIRED)}.
  `report_id` is an `id` of `reports.csv`, `category` a category id of `codebook.yaml`
  ({", ".join(f"`{c}`" for c in vocabulary.category_ids)}),
  `mode` one of {", ".join(f"`{m}`" for m in vocabulary.modes)},
  `level` one of {", ".join(f"`{lv}`" for lv in vocabulary.levels)}; `coder` defaults to `primary`.

Every report needs at least one `main` code; a category is either `main` or `secondary` for one
report and coder, never both; a category whose `modes` in `codebook.yaml` lack `non_cooperation`
has no such code. `partners.yaml` and `codebook.yaml` here replace the thesis's for this corpus.
"""


def _version() -> str:
    from kzperception import __version__

    return __version__


#: Every file of a new workspace's own, relative to it, in writing order (the book project's copy of
#: the package's files, :func:`project_files`, comes with them).
FILES: tuple[str, ...] = (
    "README.md",
    f"{CORPUS}/reports.csv",
    f"{CORPUS}/codes.csv",
    *(target for _, target in VOCABULARY_COPIES),
    f"{CORPUS}/README.md",
    paths.PROJECT_MARKER,
)

#: What the marker says to a person who opens it: what it is, and the settings of
#: ``kzperception build`` (corpus, window, coder), commented out (:mod:`kzperception.data.project`).
MARKER_TEXT = PROJECT_MARKER_TEXT


def project_files() -> list[str]:
    """The package's book files a project copies (:data:`kzperception.paths.SHIPPED`, less the
    generated ones and caches), relative to the root they are copied from, in a stable order."""
    out: list[str] = []
    for item in paths.SHIPPED:
        source = paths.ROOT / item
        if source.is_file():
            out.append(item)
            continue
        for f in sorted(source.rglob("*")):
            rel = f.relative_to(paths.ROOT).as_posix()
            if f.is_file() and rel not in paths.NOT_SHIPPED and "__pycache__" not in f.parts:
                out.append(rel)
    return out


def _write(work: Path, name: str) -> None:
    """Write the workspace's files into ``work``: the corpus README last, from the vocabulary copies
    just written (so it names the partners and categories a researcher finds beside it)."""
    files = {
        "README.md": workspace_readme(name).encode(),
        f"{CORPUS}/reports.csv": _csv_header(REPORT_COLUMNS).encode(),
        f"{CORPUS}/codes.csv": _csv_header(CODE_COLUMNS).encode(),
    }
    for source, target in VOCABULARY_COPIES:  # byte for byte: their comments explain each field
        files[target] = (paths.DATA / source).read_bytes()
    files[paths.PROJECT_MARKER] = MARKER_TEXT.encode()
    for rel in project_files():  # the book project: the package's files, byte for byte
        files[rel] = (paths.ROOT / rel).read_bytes()
    for rel, data in files.items():
        (work / rel).parent.mkdir(parents=True, exist_ok=True)
        (work / rel).write_bytes(data)
    (work / CORPUS / "README.md").write_text(corpus_readme(vocabulary_for(work / CORPUS)), encoding="utf-8")


def _check(folder: Path, force: bool, names: list[str]) -> str:
    """What ``folder`` is now ('absent', 'empty' or 'filled'), or a one-line refusal."""
    if folder.exists() and not folder.is_dir():
        raise WorkspaceError(f"{folder}: exists and is not a folder")
    if not folder.exists():
        return "absent"
    if not any(folder.iterdir()):
        return "empty"
    if not force:
        raise WorkspaceError(
            f"{folder}: is not empty; choose a new or empty folder, or give --force to write "
            f"the workspace's files into it (replacing any of {', '.join(sorted(names))})"
        )
    for name in names:  # a folder in the way of a file (or a file in the way of a folder) is refused
        target = folder / name
        if target.is_dir() and not target.is_symlink():
            raise WorkspaceError(f"{target}: is a folder where the workspace writes a file; nothing was written")
        for parent in target.relative_to(folder).parents:
            if parent != Path(".") and (folder / parent).exists() and not (folder / parent).is_dir():
                raise WorkspaceError(
                    f"{folder / parent}: is a file where the workspace needs a folder; nothing was written"
                )
    return "filled"


def _umask_mode() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return 0o777 & ~mask


def init_workspace(folder: str | os.PathLike[str], force: bool = False) -> Workspace:
    """Lay out a new workspace in ``folder`` (new or empty; non-empty only with ``force``).

    Raises :class:`WorkspaceError` (one line, nothing written) for a folder it may not fill, and
    lets an :class:`OSError` through (a full disk, no permission) after removing what it began.
    """
    target = Path(folder).expanduser().absolute()
    names = [*FILES, *project_files()]
    state = _check(target, force, names)
    ancestor = target.parent
    while not ancestor.exists():
        ancestor = ancestor.parent
    if not ancestor.is_dir() or not os.access(ancestor, os.W_OK | os.X_OK):
        raise WorkspaceError(f"{target}: cannot create a folder in {ancestor}")
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{target.name}.init-", dir=target.parent))
    try:
        work.chmod(_umask_mode())  # mkdtemp's 0700 would keep a shared folder from other users
        _write(work, target.name)
        if state in ("absent", "empty"):
            os.replace(work, target)  # rename(2) onto an empty folder replaces it
        else:
            for rel in names:  # --force: each file replaced in one step, the rest of the folder kept
                (target / rel).parent.mkdir(parents=True, exist_ok=True)
                os.replace(work / rel, target / rel)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return Workspace(target, tuple(names))
