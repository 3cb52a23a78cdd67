"""Text that platforms must show as typed, where they offer no escape for their formatting characters.

By the time an adapter renders a reply, member text is a run of text (``core.markup`` parsed it; the
catalogs' markup became bold, italics, code and links). A run must still not become markup *on the
platform*, and neither platform can be told so reliably:

- Slack mrkdwn has no escape for ``*`` ``_`` ``~`` and backquotes: a backslash is shown and escapes
  nothing (slackhq/slack-api-docs#34, #93). Only ``&``, ``<`` and ``>`` have entities.
- Teams Markdown reads ``\\*``, but its mobile clients show the backslash (MicrosoftDocs/msteams-docs
  #5793; microsoft/AdaptiveCards#7474), so a backslash is not an escape everyone sees as one.

So a formatting character that could open or close formatting is written as a character that looks
the same and that no platform reads as markup (``LOOKALIKES``: ``∗`` U+2217 for ``*``, ``ˍ`` U+02CD for
``_``, ``∼`` U+223C for ``~``, ``ˋ`` U+02CB for a backquote). An underscore between two ASCII letters
or digits (``snake_case``, ``first_last@example.com``) opens nothing on either platform and is kept.
Where a character only needs its neighbour changed, an invisible one is put beside it instead
(``ZERO_WIDTH``, U+200B): the platform's parser no longer sees the pair (a ``](`` of a link, a ``<`` of a
tag). What a member reads is the same text; what they copy has these few characters changed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

LOOKALIKES: Mapping[str, str] = {"*": "\u2217", "_": "\u02cd", "~": "\u223c", "`": "\u02cb"}
ZERO_WIDTH = "\u200b"
_MARKERS = re.compile(r"[*_~`]")
_ASCII_WORD = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")


def _inside_word(text: str, at: int) -> bool:
    """An underscore with an ASCII letter or digit on each side: ``snake_case`` stays as it is."""
    return 0 < at < len(text) - 1 and text[at - 1] in _ASCII_WORD and text[at + 1] in _ASCII_WORD


def markers(text: str, extra: Mapping[str, str] | None = None) -> str:
    """``text`` with every formatting character that could open or close formatting written as its
    look-alike (and the characters of ``extra`` as theirs)."""
    def swap(found: re.Match[str]) -> str:
        char = found.group()
        return char if char == "_" and _inside_word(found.string, found.start()) else LOOKALIKES[char]

    shown = _MARKERS.sub(swap, text)
    for char, lookalike in (extra or {}).items():
        shown = shown.replace(char, lookalike)
    return shown
