"""Neutral markup: how the catalogs and the core mark bold, italics, code and links, for every platform.

One small subset of Markdown, chosen because Teams reads most of it and it still reads well as text::

    **bold**   _italics_   `code`   [text](https://example.com)

A backslash makes the next markup character literal (``\\*``, ``\\_``, ``\\```, ``\\[``, ``\\]``,
``\\\\``). ``escape`` adds those backslashes; the catalogs' ``t()`` applies it to every value it puts
into a message, so a member's name or question is text, never markup. Text that is markup already
(``Markup``, what ``t()`` returns) goes into a message as it is. Only the catalogs and the code make
markup: whatever a member wrote enters a message through ``t()`` or ``escape``, exactly once (twice
would show the backslashes), and each adapter keeps the text it renders inert on its platform
(``adapters/literal.py``).

``parse`` reads text into ``Span``s (a run of text and its style); ``render`` writes them in a
platform's ``Style``: Slack mrkdwn (``adapters/slack/outbound.py``), Teams Markdown
(``adapters/teams/outbound.py``), plain text (``plain`` below: the console, and every field a
platform shows as plain text — button labels, modal titles, notification fallbacks). One parser and
one writer are what keep the three renderings in agreement.

The rules are deliberately narrow, so ordinary text is rarely taken for markup: ``**`` pairs around
non-blank text; ``_`` only at word boundaries (``snake_case`` stays as it is); a link only to an
``http``, ``https`` or ``mailto`` address; anything unmatched is text.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, lru_cache

#: the characters a backslash makes literal
ESCAPABLE = frozenset("\\`*_[]")
LINK_SCHEMES = ("http://", "https://", "mailto:")
_ESCAPE = re.compile(r"([\\`*_\[\]])")
_SPECIAL = re.compile(r"[\\`*_\[]")
_UNESCAPE = re.compile(r"\\([\\`*_\[\]])")


class Markup(str):
    """Text already in neutral markup: ``t()`` inserts it into a message as it is, not escaped.

    What ``t()`` returns is ``Markup``, so a translated phrase can be a value of another one. Text
    put together in code (``f"**{name}**"``) is a plain ``str`` again: wrap it in ``Markup`` before
    handing it to ``t()`` as a value, after escaping the member's parts with ``escape``.
    """

    __slots__ = ()


@dataclass(frozen=True, slots=True)
class Span:
    """A run of text in one style; ``url`` makes it a link whose label is ``text``."""

    text: str
    bold: bool = False
    italic: bool = False
    code: bool = False
    url: str | None = None


def escape(text: str) -> str:
    """``text`` with its markup characters made literal: it reads as itself once parsed.

    Most values (names, counts, slugs) have none: a search is a fifth of the cost of a substitution."""
    return _ESCAPE.sub(r"\\\1", text) if _ESCAPE.search(text) else text


def escape_value(item: object) -> object:
    """A value for a catalog message: text is escaped unless it is ``Markup``; numbers, dates… as is."""
    if isinstance(item, str) and not isinstance(item, Markup):
        return escape(item)
    return item


@lru_cache(maxsize=256)
def parse(text: str) -> tuple[Span, ...]:
    """The spans of ``text``, in order; neighbouring runs of the same style are merged.

    Kept for the last few hundred texts: a campaign prompt goes to many people, and each adapter
    renders it once per recipient."""
    if not _SPECIAL.search(text):
        return (Span(text),) if text else ()
    merged: list[Span] = []
    for span in _spans(text, 0, len(text), False, False):
        last = merged[-1] if merged else None
        if (last is not None and last.url is None and not last.code and span.url is None and not span.code
                and (last.bold, last.italic) == (span.bold, span.italic)):
            merged[-1] = Span(last.text + span.text, span.bold, span.italic)
        else:
            merged.append(span)
    return tuple(merged)


def _same(text: str) -> str:
    return text


def _label_and_address(label: str, url: str) -> str:
    if url.removeprefix("mailto:") == label:
        return label
    return f"{label} ({url})" if label else url


@dataclass(frozen=True)
class Style:
    """How one platform writes spans: the markers around bold and italic text, and how it writes
    text (escaped as it needs), code and a link (from its label and its address)."""

    bold: str = ""
    italic: str = ""
    text: Callable[[str], str] = _same
    code: Callable[[str], str] = _same
    link: Callable[[str, str], str] = _label_and_address


#: plain text: no markers, a link as ``label (address)``
PLAIN = Style()


def render(text: str, style: Style) -> str:
    """``text`` written in ``style``."""
    return "".join(_render(span, style) for span in parse(text))


def plain(text: str) -> str:
    """``text`` without markup: markers dropped, escapes resolved, a link as ``label (address)``."""
    return render(text, PLAIN) if _SPECIAL.search(text) else text


def _render(span: Span, style: Style) -> str:
    if span.url is not None:
        text = style.link(span.text, span.url)
    elif span.code:
        text = style.code(span.text)
    else:
        text = style.text(span.text)
    if span.italic:
        text = _wrap(text, style.italic)
    if span.bold:
        text = _wrap(text, style.bold)
    return text


def _wrap(text: str, marker: str) -> str:
    """``marker`` around ``text``, outside its leading and trailing spaces (``** b **`` is not bold
    anywhere)."""
    inner = text.strip()
    if not marker or not inner:
        return text
    lead, trail = text[:len(text) - len(text.lstrip())], text[len(text.rstrip()):]
    return f"{lead}{marker}{inner}{marker}{trail}"


# --- the parser -----------------------------------------------------------------------------------

def _spans(text: str, start: int, end: int, bold: bool, italic: bool) -> list[Span]:
    """The spans of ``text[start:end]``, read in the style around it."""
    spans: list[Span] = []
    literal: list[str] = []
    at = start
    while at < end:
        special = _SPECIAL.search(text, at, end)
        upto = special.start() if special is not None else end
        if upto > at:  # plain text up to the next character that may start markup
            literal.append(text[at:upto])
            at = upto
            continue
        if text[at] == "\\" and at + 1 < end and text[at + 1] in ESCAPABLE:
            literal.append(text[at + 1])
            at += 2
            continue
        found = _markup_at(text, at, end, bold, italic)
        if found is None:
            literal.append(text[at])
            at += 1
            continue
        if literal:
            spans.append(Span("".join(literal), bold, italic))
            literal = []
        inner, at = found
        spans += inner
    if literal:
        spans.append(Span("".join(literal), bold, italic))
    return spans


def _markup_at(text: str, at: int, end: int, bold: bool, italic: bool) -> tuple[list[Span], int] | None:
    """The spans of the markup starting at ``at`` and the index after it; ``None`` if none starts."""
    char = text[at]
    if char == "`":
        close = _find(text, at + 1, end, "`", lambda j: True, skip_code=False)
        if close is None or close == at + 1:
            return None
        return [Span(_unescape(text[at + 1:close]), bold, italic, code=True)], close + 1
    if char == "*" and text.startswith("**", at):
        close = _closing_bold(text, at + 2, end)
        return None if close is None else (_spans(text, at + 2, close, True, italic), close + 2)
    if char == "_" and _opens_italic(text, at, end):
        close = _find(text, at + 2, end, "_", lambda j: _closes_italic(text, j, end))
        return None if close is None else (_spans(text, at + 1, close, bold, True), close + 1)
    if char == "[":
        return _link(text, at, end, bold, italic)
    return None


def _find(text: str, start: int, end: int, chars: str, wanted: Callable[[int], bool], *,
          skip_code: bool = True) -> int | None:
    """The first index from ``start`` of one of ``chars`` where ``wanted`` holds, past escaped
    characters (and code spans, unless looking for the end of one)."""
    candidates = _candidates(chars)
    at = start
    while (found := candidates.search(text, at, end)) is not None:
        at = found.start()
        if text[at] == "\\" and at + 1 < end and text[at + 1] in ESCAPABLE:
            at += 2
            continue
        if text[at] in chars and wanted(at):
            return at
        if skip_code and text[at] == "`":
            close = _find(text, at + 1, end, "`", lambda j: True, skip_code=False)
            if close is not None:
                at = close + 1
                continue
        at += 1
    return None


@cache
def _candidates(chars: str) -> re.Pattern[str]:
    """What ``_find`` stops at: ``chars``, backslashes and backquotes."""
    return re.compile("[" + re.escape(chars + "\\`") + "]")


def _word(char: str) -> bool:
    return char.isalnum() or char == "_"


def _closing_bold(text: str, start: int, end: int) -> int | None:
    if start >= end or text[start].isspace():
        return None
    return _find(text, start + 1, end - 1, "*",
                 lambda j: text.startswith("**", j) and not text[j - 1].isspace())


def _opens_italic(text: str, at: int, end: int) -> bool:
    before = text[at - 1] if at > 0 else " "
    after = text[at + 1] if at + 1 < end else " "
    return not _word(before) and not after.isspace() and after != "_"


def _closes_italic(text: str, at: int, end: int) -> bool:
    after = text[at + 1] if at + 1 < end else " "
    return text[at] == "_" and not text[at - 1].isspace() and text[at - 1] != "_" and not _word(after)


def _link(text: str, at: int, end: int, bold: bool, italic: bool) -> tuple[list[Span], int] | None:
    """``[label](address)``: the label is shown as plain text; only web and mail addresses count."""
    close = _find(text, at + 1, end, "[]", lambda j: True)
    if close is None or text[close] != "]" or not text.startswith("(", close + 1):
        return None
    paren = text.find(")", close + 2, end)
    url = text[close + 2:paren] if paren >= 0 else ""
    if not url.startswith(LINK_SCHEMES) or any(char.isspace() for char in url):
        return None
    return [Span(plain(text[at + 1:close]), bold, italic, url=url)], paren + 1


def _unescape(text: str) -> str:
    return _UNESCAPE.sub(r"\1", text) if "\\" in text else text
