"""Tolerant text handling for command arguments: quotes, apostrophes, slugs, mentions, e-mails."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

MAX_COMMAND_LENGTH = 4000

_OPENING_QUOTES = {'"': '"', "“": "”", "«": "»", "„": "“", "”": "”"}
#: typographic apostrophes and quotes, read as the typed ones: phones and word processors put in ’ and
#: “…”, keyboards ' and "…"; a member means the same either way
_TYPED_QUOTES = str.maketrans({"’": "'", "‘": "'", "‛": "'", "ʼ": "'", "′": "'",
                               "“": '"', "”": '"', "„": '"', "‟": '"', "«": '"', "»": '"'})
_GUILLEMET_SPACE = re.compile(r"«[\s\u00a0\u202f]+|[\s\u00a0\u202f]+»")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\ufeff]")
_SLACK_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|([^>]*))?>")
_TEAMS_MENTION = re.compile(r"<at>(.*?)</at>", re.IGNORECASE | re.DOTALL)
_MAILTO = re.compile(r"<mailto:([^|>]+)(?:\|[^>]*)?>")
_EMAIL = re.compile(r"^[A-Za-z0-9._%+'-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$")
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def clean(text: str) -> str:
    """Drop control and invisible characters (keeping newlines) and trim; never raises."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\t", " "))
    text = _MAILTO.sub(r"\1", text)
    return _CONTROL.sub("", text).strip()


def normalise_quotes(text: str) -> str:
    """Typographic apostrophes (’ ‘) as ``'`` and quotes (“ ” „ « ») as ``"``, French spaces inside
    guillemets dropped: ``d’équipe`` and ``d'équipe`` are one skill, ``« data »`` is ``"data"``.

    ``core.commands.grammar.match`` applies it to every command's text, once, before any handler reads it.
    """
    return _GUILLEMET_SPACE.sub(lambda m: m.group().strip(), text).translate(_TYPED_QUOTES)


def unquote(text: str) -> str:
    """``"data science"`` → ``data science``: a pair of quotes around the whole text goes, and so does a lone
    quote at one end (unbalanced); quotes inside (``the "pragmatic" programmer``) are kept whole."""
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] == '"' and '"' not in text[1:-1]:
        return text[1:-1].strip()
    if text.count('"') == 1 and (text.startswith('"') or text.endswith('"')):
        return text.strip('"').strip()
    return text


def fold(text: str) -> str:
    """Lower-case without accents, for matching: "Équipe Données" → "equipe donnees".

    Lists sort and match by it (every group name, every member of a group): plain ASCII, where it is
    ``lower``, takes a fast path, and other short text (names) is remembered."""
    if text.isascii():
        return text.lower()
    return _fold_name(text) if len(text) <= FOLDS_KEPT_UP_TO else _fold(text)


#: the longest text whose folding is remembered (names, titles; not descriptions or questions)
FOLDS_KEPT_UP_TO = 200


@lru_cache(maxsize=8192)
def _fold_name(text: str) -> str:
    return _fold(text)


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


#: how much of a folded name is kept as its sort key: names are at most 200 characters, and a key
#: of 200 fits any database index entry even where folding lengthens a name ("ﬃ" → "ffi")
SORT_KEY_LENGTH = 200


def sort_key(name: str) -> str:
    """What lists of people sort by, stored beside the name (``Member.name_key``): ``fold``, so
    "Élodie" sorts with "elodie", not after "z" — which neither SQLite's ``lower()`` nor a collation
    does the same way on both databases. Compared code point by code point (SQLite's ``BINARY``,
    PostgreSQL's ``"C"``), as Python compares strings; names alike in their first
    ``SORT_KEY_LENGTH`` folded characters tie, and ties go by member id."""
    return fold(name)[:SORT_KEY_LENGTH]


def slugify(text: str, max_length: int = 80) -> str:
    """The slug that names a group: "Data Science", "data-science" and "data science" agree."""
    return _NOT_SLUG.sub("-", fold(text)).strip("-")[:max_length].strip("-")


def tokenize(text: str) -> list[str]:
    """Split on white space, keeping double-quoted runs ("…", “…”, «…») together.

    Apostrophes are text (``l'équipe``). An unbalanced quote runs to the end of the text instead of
    failing: a chat user cannot be asked to fix their quoting.
    """
    tokens: list[str] = []
    i, n = 0, len(text)
    while i < n:
        if text[i].isspace():
            i += 1
            continue
        closing = _OPENING_QUOTES.get(text[i])
        if closing is not None:
            end = text.find(closing, i + 1)
            end = n if end == -1 else end
            token = text[i + 1 : end].strip()
            if token:
                tokens.append(token)
            i = end + 1
            continue
        start = i
        while i < n and not text[i].isspace():
            i += 1
        tokens.append(text[start:i])
    return tokens


@dataclass(frozen=True)
class MemberMention:
    """A reference to a member in command text: a platform user id, an e-mail, or a bare name."""

    user_id: str | None = None
    email: str | None = None
    name: str | None = None


def parse_member_mention(token: str) -> MemberMention:
    """Read ``<@U123|ana>``, ``<at>Ana</at>``, ``@ana``, ``ana@example.com`` or a plain name."""
    token = token.strip()
    if m := _SLACK_MENTION.fullmatch(token):
        return MemberMention(user_id=m.group(1), name=m.group(2) or None)
    if m := _TEAMS_MENTION.fullmatch(token):
        return MemberMention(name=m.group(1).strip())
    candidate = _MAILTO.sub(r"\1", token)
    if _EMAIL.match(candidate):
        return MemberMention(email=candidate.lower())
    return MemberMention(name=token.lstrip("@"))


def strip_teams_mentions(text: str) -> str:
    """Remove ``<at>…</at>`` tags: the leading one names the bot in a channel message."""
    return _TEAMS_MENTION.sub("", text)


def is_email(text: str) -> bool:
    return bool(_EMAIL.match(text.strip()))


def shorten(text: str, limit: int) -> str:
    """Cut ``text`` to ``limit`` characters with an ellipsis."""
    return text if len(text) <= limit else text[: max(limit - 1, 0)].rstrip() + "…"
