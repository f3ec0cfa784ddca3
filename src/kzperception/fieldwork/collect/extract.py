"""Plain text and dates out of scraped HTML: paragraphs, never markup.

Shared by both site adapters: akorda.kz's pages and gov.kz's HTML bodies inside JSON.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import math
import re
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from bs4 import BeautifulSoup, NavigableString, Tag
from selectolax.lexbor import LexborHTMLParser

from .model import ItemError

# --------------------------------------------------------------------------------------------
# HTML to text


_BLOCKS = (
    "p",
    "div",
    "li",
    "ul",
    "ol",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "table",
    "tr",
    "section",
    "article",
    "header",
    "footer",
    "figure",
    "figcaption",
    "pre",
    "dd",
    "dt",
)
#: Elements whose text is never a report's: code, styling, embedded media, the head and forms.
DROPPED_TAGS = ("script", "style", "noscript", "template", "iframe", "svg", "object", "embed", "head", "form")
_PARA = "\u2029"  # paragraph separator: a marker no scraped text contains
_TAG_RE = re.compile(r"<\s*/?\s*[A-Za-z!?][^<>]*>")
_WS_RE = re.compile(r"[ \t\r\n\f\v\u00a0\u2000-\u200b\u202f\u205f\u3000]+")


def clean_text(text: str) -> str:
    """``text`` on one line: every run of whitespace (non-breaking and wide spaces too) one space, trimmed."""
    return _WS_RE.sub(" ", text).strip()


#: Elements nested deeper than this make a page unreadable: parsing such a page takes time that
#: grows with the square of its depth (a 500 kB page of 100,000 nested divs: over a minute),
#: while real pages nest a few dozen deep. Browsers cap the tree near 512 for the same reason.
MAX_DEPTH = 1000
_OPEN_CLOSE_RE = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)\b[^<>]*?(/?)>")
# elements that never hold others, or close themselves when the next one opens
_NO_DEPTH = frozenset(
    {
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "param",
        "source",
        "track",
        "wbr",
        "p",
        "li",
        "dt",
        "dd",
        "option",
        "optgroup",
        "tr",
        "td",
        "th",
        "thead",
        "tbody",
        "tfoot",
        "rt",
        "rp",
        "colgroup",
        "caption",
    }
)


class MalformedPage(ItemError):
    """A page no parser should be asked to read (nested beyond ``MAX_DEPTH``)."""


def nesting_depth(html: str, limit: int = MAX_DEPTH) -> int:
    """How deep the page's container elements nest, counted from its tags (stops past ``limit``)."""
    depth = deepest = 0
    for match in _OPEN_CLOSE_RE.finditer(html):
        closing, name, self_closing = match.groups()
        if self_closing or name.lower() in _NO_DEPTH:
            continue
        depth = max(0, depth - 1) if closing else depth + 1
        if depth > deepest:
            deepest = depth
            if deepest > limit:
                break
    return deepest


def page_soup(html: str) -> BeautifulSoup:
    """Parse as a browser would (lexbor, HTML5 rules), then walk it with BeautifulSoup.

    Python's own parser nests unclosed tags (``<h1>a<h1>b`` swallows the page); lexbor repairs
    malformed pages the way browsers do, and its output is well-formed for BeautifulSoup. A page
    nested deeper than ``MAX_DEPTH`` raises ``MalformedPage`` instead of being parsed for minutes.
    """
    if nesting_depth(html) > MAX_DEPTH:
        raise MalformedPage(f"malformed page: elements nested more than {MAX_DEPTH} deep; not parsed")
    return BeautifulSoup(LexborHTMLParser(html).html or "", "html.parser")


def _paragraphs_of(node: Tag | BeautifulSoup) -> list[str]:
    for junk in node.find_all(DROPPED_TAGS):
        junk.decompose()
    for br in node.find_all("br"):
        br.replace_with(NavigableString(_PARA))
    for block in node.find_all(_BLOCKS):
        block.insert_before(NavigableString(_PARA))
        block.insert_after(NavigableString(_PARA))
    text = node.get_text()
    return [p for p in (clean_text(x) for x in text.split(_PARA)) if p]


def html_to_paragraphs(html: str, _depth: int = 0) -> list[str]:
    """Plain-text paragraphs of an HTML fragment; scripts dropped, no markup ever returned.

    Bodies are sometimes escaped twice (``&lt;p&gt;`` inside JSON), so text that still looks like
    markup is parsed again; whatever tag-like text survives that is removed.
    """
    out: list[str] = []
    for para in _paragraphs_of(page_soup(html)):
        if _TAG_RE.search(para) and _depth < 2:
            out.extend(html_to_paragraphs(para, _depth + 1))
        else:
            cleaned = clean_text(_TAG_RE.sub(" ", para)) if _TAG_RE.search(para) else para
            if cleaned:
                out.append(cleaned)
    return out


def html_to_text(html: str) -> str:
    """One line of plain text (titles)."""
    return " ".join(html_to_paragraphs(html))


# --------------------------------------------------------------------------------------------
# Dates in Russian pages and APIs


#: The sites' own time zone: a report's date is the date on the calendar in Almaty when it was
#: published, whatever form the site gives the time in. An RSS feed in GMT or an epoch timestamp
#: read as UTC would date a report published at 02:30 in Almaty on 24 February 2022 to the 23rd,
#: on the other side of the thesis's pivot. (Asia/Almaty was UTC+6 until 1 March 2024 and is
#: UTC+5 since; the tz database knows both.)
ALMATY = ZoneInfo("Asia/Almaty")
#: Dates outside these years are no report's date (an epoch value of 1e20, a year 0001).
_YEARS = (1991, 2100)

_MONTHS = {
    "январ": 1,
    "феврал": 2,
    "март": 3,
    "апрел": 4,
    "ма": 5,
    "мая": 5,
    "июн": 6,
    "июл": 7,
    "август": 8,
    "сентябр": 9,
    "октябр": 10,
    "ноябр": 11,
    "декабр": 12,
}
# an ISO date, with a time and an offset when the source gives them
_ISO_RE = re.compile(
    r"(\d{4})-(\d{1,2})-(\d{1,2})"
    r"(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,]\d{1,9})?)?\s*(Z|z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?)?"
)
_DATE_PATTERNS = (
    (re.compile(r"\b(\d{1,2})\.(\d{1,2})\.(\d{4})\b"), ("d", "m", "y")),
    (re.compile(r"\b(\d{1,2})\s+([а-яё]+)\s+(\d{4})", re.IGNORECASE), ("d", "mon", "y")),
)
# RFC 822 / 2822 as RSS writes it: "Thu, 24 Feb 2022 02:30:00 +0600" (weekday optional)
_RFC822_RE = re.compile(
    r"(?:[A-Za-z]{3},\s*)?\d{1,2}\s+(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\s+\d{2,4}"
    r"(?:\s+\d{1,2}:\d{2}(?::\d{2})?(?:\s*(?:[+-]\d{4}|[A-Za-z]{1,5}))?)?",
    re.IGNORECASE,
)
# a bare epoch timestamp in seconds (10 digits) or milliseconds (13), as text
_EPOCH_RE = re.compile(r"\s*(\d{9,13})(?:\.\d+)?\s*")


def _month(word: str) -> int | None:
    word = word.lower()
    for stem in sorted(_MONTHS, key=len, reverse=True):
        if word.startswith(stem) and (stem != "ма" or word in ("май", "мая")):
            return _MONTHS[stem]
    return None


def local_date(moment: dt.datetime) -> dt.date:
    """The Almaty calendar date of ``moment``; a moment without an offset is taken as Almaty time."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        return moment.date()
    return moment.astimezone(ALMATY).date()


def _plausible(day: dt.date, value: object) -> dt.date:
    if not _YEARS[0] <= day.year <= _YEARS[1]:
        raise ItemError(f"{_shown(value)} is not a plausible report date ({day.isoformat()})")
    return day


def _shown(value: object) -> str:
    return repr(value if not isinstance(value, str) else value[:60])[:80]


def epoch_date(value: float) -> dt.date:
    """The Almaty date of an epoch timestamp: milliseconds when it is that large, else seconds.

    Raises ``ItemError`` for a value that is no timestamp of a report (NaN, infinity, 1e20, before 1991).
    """
    if not math.isfinite(value):
        raise ItemError(f"{_shown(value)} is not a timestamp")
    seconds = value / 1000 if abs(value) > 1e11 else value
    try:
        moment = dt.datetime.fromtimestamp(seconds, dt.UTC)
    except (OverflowError, OSError, ValueError):
        raise ItemError(f"{_shown(value)} is not a plausible report date (out of range)") from None
    return _plausible(local_date(moment), value)


def _iso(match: re.Match[str]) -> dt.date | None:
    y, m, d, hh, mm, ss, zone = match.groups()
    try:
        day = dt.date(int(y), int(m), int(d))
    except ValueError:
        return None
    if hh is None or zone is None:  # a date, or a local time: the day as written
        return day
    try:
        moment = dt.datetime(day.year, day.month, day.day, int(hh), int(mm), int(ss or 0))
    except ValueError:
        return None
    if zone.upper() in ("Z", "UTC", "GMT"):
        offset = dt.timedelta(0)
    else:
        sign = -1 if zone[0] == "-" else 1
        digits = zone[1:].replace(":", "")
        offset = sign * dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:4] or 0))
        if abs(offset) >= dt.timedelta(hours=24):
            return None
    return local_date(moment.replace(tzinfo=dt.timezone(offset)))


def _rfc822(text: str) -> tuple[int, dt.date] | None:
    match = _RFC822_RE.search(text)
    if match is None:
        return None
    try:
        moment = email.utils.parsedate_to_datetime(match.group(0))
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if moment.tzinfo is None:  # "-0000": UTC with no local zone known (RFC 2822, section 3.3)
        moment = moment.replace(tzinfo=dt.UTC)
    return match.start(), local_date(moment)


def parse_date(value: object) -> dt.date | None:
    """The first date in ``value``, as the calendar date in Almaty.

    Forms read: ISO (``2023-06-01``, ``2023-06-01T11:30:00.000+06:00``, ``...Z``; a time without an
    offset is Almaty time), RFC 822 as RSS writes it (``Thu, 24 Feb 2022 02:30:00 GMT``, any offset),
    ``24.08.2023``, ``24 августа 2023 года``, and epoch timestamps in seconds or milliseconds
    (numbers, or text of 9 to 13 digits). A moment with an offset is converted to Almaty time
    before its date is taken. Returns None when ``value`` holds no date; raises ``ItemError`` for
    a number that is no report's timestamp (NaN, infinity, out of range), so a broken API item is
    that item's failure with a reason.
    """
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return local_date(value)
    if isinstance(value, dt.date):
        return value
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        try:
            number = float(value)
        except OverflowError:
            raise ItemError(f"{_shown(value)} is not a plausible report date (out of range)") from None
        return epoch_date(number)
    if not isinstance(value, str):
        return None
    text = value[:400]
    epoch = _EPOCH_RE.fullmatch(text)
    if epoch:
        return epoch_date(float(epoch.group(1)))
    found: list[tuple[int, dt.date]] = []
    for match in _ISO_RE.finditer(text):
        day = _iso(match)
        if day is not None:
            found.append((match.start(), day))
            break
    rfc = _rfc822(text)
    if rfc is not None:
        found.append(rfc)
    for pattern, order in _DATE_PATTERNS:
        for match in pattern.finditer(text):
            parts = dict(zip(order, match.groups(), strict=True))
            month = _month(parts["mon"]) if "mon" in parts else int(parts["m"])
            if month is None:
                continue
            try:
                found.append((match.start(), dt.date(int(parts["y"]), month, int(parts["d"]))))
            except ValueError:
                continue
            break
    return min(found)[1] if found else None


def stated_date(node: Tag) -> dt.date | None:
    """The date a node states: a ``<meta content>``, a ``<time datetime>``, else its text."""
    if node.name == "meta":
        return parse_date(str(node.get("content") or "")) if node.get("content") else None
    time_tag = node.find("time") if node.name != "time" else node
    if isinstance(time_tag, Tag) and time_tag.get("datetime"):
        found = parse_date(str(time_tag["datetime"]))
        if found:
            return found
    return parse_date(node.get_text(" "))


def date_nodes(scope: Tag | BeautifulSoup, selectors: Sequence[str]) -> list[tuple[str, Tag]]:
    """The nodes each selector finds, selector by selector; a long text block is not a date."""
    out: list[tuple[str, Tag]] = []
    for selector in selectors:
        for node in scope.select(selector):
            if isinstance(node, Tag) and (node.name == "meta" or len(node.get_text(" ")) < 80):
                out.append((selector, node))
    return out


def page_date(soup: BeautifulSoup, selectors: Sequence[str]) -> tuple[dt.date, str] | None:
    """An article's own date and the selector that gave it: the article first, then ``main``,
    then the page (a header may print today's date)."""
    scopes = [s for s in (soup.select_one("article"), soup.select_one("main")) if s is not None] + [soup]
    for scope in scopes:
        for selector, node in date_nodes(scope, selectors):
            found = stated_date(node)
            if found:
                return found, selector
    return None
