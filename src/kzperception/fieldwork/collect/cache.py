"""Downloaded documents and the raw cache on disk (``OUT/raw/``), part of the transport.

The cache is what makes a run safe to stop and start again: every body is kept, one file per
request, written atomically, and a resumed run reads it back instead of asking the site twice.
Temporary files (a body being downloaded, an entry being written) carry the writer's process id
in their name, so a run that starts after one was killed (``kill -9``, power loss) can tell them
from a live run's and removes what the dead run left.
"""

from __future__ import annotations

import codecs
import datetime as dt
import hashlib
import json
import os
import re
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from kzperception.atomic import naming, write_bytes_atomic
from kzperception.children import process_alive

#: A temporary file older than this is stale even when its process id is in use again.
STALE_AFTER = 3600.0
_TMP_RE = re.compile(r"^\..+\.(?P<pid>[0-9]+)\.[0-9a-f]+\.tmp$")


@dataclass(frozen=True)
class Document:
    """A downloaded body as bytes; decoding is deferred because sites mislabel charsets.

    ``method`` and ``request_body`` say how it was asked for: a GET of ``url``, or a POST of
    ``request_body`` to ``url`` (the gov.kz GraphQL endpoint answers many queries at one URL).
    ``final_url`` is where the redirects, if any, ended.
    """

    url: str
    status: int
    content: bytes
    content_type: str = ""
    from_cache: bool = False
    method: str = "GET"
    request_body: bytes | None = None
    final_url: str = ""

    def text(self) -> str:
        return decode_body(self.content, self.content_type)

    def json(self) -> Any:
        return json.loads(self.text())


_CHARSET_RE = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.IGNORECASE)


def _declared_charset(content_type: str, head: bytes) -> str | None:
    match = re.search(r"charset\s*=\s*[\"']?([A-Za-z0-9_.:-]+)", content_type or "", re.IGNORECASE)
    if match:
        return match.group(1)
    meta = _CHARSET_RE.search(head)
    return meta.group(1).decode("ascii", "replace") if meta else None


def decode_body(content: bytes, content_type: str = "") -> str:
    """Decode a Russian-language body whatever its label says.

    Valid UTF-8 is taken as UTF-8 (Cyrillic in windows-1251 is practically never valid UTF-8),
    otherwise the declared charset is tried, then windows-1251, the usual legacy charset of
    Russian-language sites. A wrong ``charset=utf-8`` header thus still yields readable text.
    """
    if content.startswith(codecs.BOM_UTF8):
        return content[len(codecs.BOM_UTF8) :].decode("utf-8", "replace")
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        pass
    declared = _declared_charset(content_type, content[:4096])
    for encoding in (declared, "cp1251"):
        if not encoding or encoding.lower().replace("-", "") in ("utf8", "utf_8"):
            continue
        try:
            return content.decode(encoding)
        except (LookupError, UnicodeDecodeError):
            continue
    return content.decode("cp1251", "replace")


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def remove_stale_temps(folder: Path, recursive: bool = True) -> int:
    """Remove the temporary files a killed run left in ``folder``; return how many.

    A temporary file is ``.<name>.<pid>.<hex>.tmp`` (``kzperception.atomic.atomic_target`` and the download
    spool both name them so). It is stale when its process is gone, or when it is older than an
    hour (its process id may have been reused since). A live run's files are left alone.
    """
    if not folder.is_dir():
        return 0
    removed = 0
    now = time.time()
    for path in folder.rglob(".*.tmp") if recursive else folder.glob(".*.tmp"):
        match = _TMP_RE.match(path.name)
        if match is None or not path.is_file():
            continue
        try:
            old = now - path.stat().st_mtime > STALE_AFTER
            if old or not process_alive(int(match.group("pid"))):
                path.unlink()
                removed += 1
        except OSError:
            continue
    return removed


class RawCache:
    """One body and one metadata file per request under ``folder``, named by its key (a SHA-256).

    A GET is keyed by its URL alone (as before POSTs existed, so older caches stay valid); any
    other request by its method, URL and body together, so the GraphQL endpoint's pages, each a
    different query POSTed to the same URL, never collide and a resumed run re-posts none of them.
    The metadata records what was asked (method, URL, the body's hash and, for a short body, the
    body itself) and is checked on every read.

    The body is written first and the metadata last, both atomically: an entry exists only when
    its metadata does, so a run killed mid-write leaves no half entry behind, and the temporary
    file it leaves is removed by the next run (``clean``).
    """

    def __init__(self, folder: str | os.PathLike[str]):
        self.folder = Path(folder)

    def clean(self) -> int:
        """Remove what a killed run left (temporary files of dead processes); return how many."""
        return remove_stale_temps(self.folder)

    @contextmanager
    def spool(self) -> Iterator[tuple[Path, IO[bytes]]]:
        """A temporary file in the cache folder for a body being downloaded; removed afterwards."""
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f".download.{os.getpid()}.{secrets.token_hex(4)}.tmp"
        try:
            with naming(path), open(path, "xb") as handle:
                yield path, handle
        finally:
            path.unlink(missing_ok=True)

    @staticmethod
    def key(url: str, method: str = "GET", body: bytes | None = None) -> str:
        method = method.upper()
        if method == "GET" and not body:
            return _sha256(url.encode("utf-8"))
        # a URL holds neither a space nor a line break, so the three parts cannot run together
        return _sha256(method.encode("ascii") + b" " + url.encode("utf-8") + b"\n" + (body or b""))

    def _paths(self, url: str, method: str = "GET", body: bytes | None = None) -> tuple[Path, Path]:
        key = self.key(url, method, body)
        base = self.folder / key[:2] / key
        return base.with_suffix(".json"), base.with_suffix(".body")

    def get(
        self, url: str, max_age: float | None = None, method: str = "GET", body: bytes | None = None
    ) -> Document | None:
        """The cached document, or None (absent, half written, unreadable, or older than ``max_age`` s)."""
        method = method.upper()
        meta_path, body_path = self._paths(url, method, body)
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            content = body_path.read_bytes()
            if not isinstance(meta, dict) or meta.get("url") != url or len(content) != meta.get("size"):
                return None
            if meta.get("method", "GET") != method or meta.get("request_sha256") != (_sha256(body) if body else None):
                return None
            if max_age is not None:
                fetched = dt.datetime.fromisoformat(str(meta.get("fetched_at", "1970-01-01T00:00:00+00:00")))
                if (dt.datetime.now(dt.UTC) - fetched).total_seconds() > max_age:
                    return None
            return Document(
                url,
                int(meta["status"]),
                content,
                str(meta.get("content_type", "")),
                from_cache=True,
                method=method,
                request_body=body,
                final_url=str(meta.get("final_url", url)),
            )
        except (OSError, ValueError, KeyError, TypeError):  # absent, half written or edited by hand
            return None

    def put(self, doc: Document) -> None:
        meta_path, body_path = self._paths(doc.url, doc.method, doc.request_body)
        meta: dict[str, Any] = {
            "url": doc.url,
            "status": doc.status,
            "content_type": doc.content_type,
            "size": len(doc.content),
            "fetched_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        }
        if doc.final_url and doc.final_url != doc.url:
            meta["final_url"] = doc.final_url
        if doc.method.upper() != "GET" or doc.request_body:
            meta["method"] = doc.method.upper()
            meta["request_sha256"] = _sha256(doc.request_body) if doc.request_body else None
            if doc.request_body and len(doc.request_body) <= 4096:  # a GraphQL query: readable in raw/
                meta["request"] = doc.request_body.decode("utf-8", "replace")
        write_bytes_atomic(body_path, doc.content)
        write_bytes_atomic(meta_path, json.dumps(meta, ensure_ascii=False).encode("utf-8"))

    def drop(self, url: str, method: str = "GET", body: bytes | None = None) -> None:
        for path in self._paths(url, method, body):
            path.unlink(missing_ok=True)

    def __contains__(self, url: str) -> bool:
        return self.get(url) is not None
