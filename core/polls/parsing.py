"""Reading ``poll "Question?" "Option A" "Option B" … [anonymous]``.

The question and options are quoted with straight or typographic quotes (``"…"``, ``“…”``,
``«…»``, ``„…“``); an unquoted question runs up to the first quote, and an unquoted option is one
word. A last bare ``anonymous`` (``anonyme``) makes the poll anonymous. Unlike the general tokenizer,
an empty pair of quotes is kept, so that ``poll "" "A" "B"`` says the question is empty instead of
taking "A" for it.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.errors import InvalidInput, UsageError
from core.text import clean

QUOTES = {'"': '"', "“": "”", "«": "»", "„": "“", "”": "”"}
ANONYMOUS_WORDS = frozenset({"anonymous", "anonyme", "anon"})
MIN_OPTIONS, MAX_OPTIONS = 2, 10
#: Slack's button text holds at most 75 characters; a question longer than this is not a quick poll
MAX_OPTION, MAX_QUESTION = 75, 300
USAGE = "usage.poll"


@dataclass(frozen=True)
class PollText:
    """What a ``poll`` command asks for."""

    question: str
    options: tuple[str, ...]
    anonymous: bool


def _pieces(text: str) -> list[tuple[str, bool]]:
    """``(piece, quoted)`` in order; an unquoted run before the first quote is one piece (a question
    typed without quotes), later unquoted words are one piece each."""
    pieces: list[tuple[str, bool]] = []
    i, n = 0, len(text)
    while i < n:
        if text[i].isspace():
            i += 1
            continue
        closing = QUOTES.get(text[i])
        if closing is not None:
            end = text.find(closing, i + 1)
            end = n if end == -1 else end
            pieces.append((text[i + 1:end].strip(), True))
            i = end + 1
            continue
        start = i
        whole = not pieces  # the question, typed without quotes, runs up to the first quote
        while i < n and text[i] not in QUOTES and (whole or not text[i].isspace()):
            i += 1
        pieces.append((text[start:i].strip(), False))
    return [piece for piece in pieces if piece[1] or piece[0]]


def parse(text: str) -> PollText:
    """The poll ``text`` asks for; ``UsageError``/``InvalidInput`` naming what is wrong."""
    pieces = _pieces(clean(text))
    anonymous = bool(pieces) and not pieces[-1][1] and pieces[-1][0].lower() in ANONYMOUS_WORDS
    if anonymous:
        pieces = pieces[:-1]
    if not pieces:
        raise UsageError("poll.missing", usage=USAGE)
    question, options = pieces[0][0], tuple(piece for piece, _ in pieces[1:])
    if not question:
        raise UsageError("poll.empty_question", usage=USAGE)
    if len(question) > MAX_QUESTION:
        raise InvalidInput("poll.question_too_long", length=len(question), limit=MAX_QUESTION)
    _check_options(options)
    return PollText(question, options, anonymous)


def _check_options(options: tuple[str, ...]) -> None:
    if len(options) < MIN_OPTIONS:
        raise UsageError("poll.too_few_options", usage=USAGE, count=len(options), least=MIN_OPTIONS)
    if len(options) > MAX_OPTIONS:
        raise UsageError("poll.too_many_options", usage=USAGE, count=len(options), most=MAX_OPTIONS)
    seen: set[str] = set()
    for number, option in enumerate(options, start=1):
        if not option:
            raise UsageError("poll.empty_option", usage=USAGE, number=number)
        if len(option) > MAX_OPTION:
            raise InvalidInput("poll.option_too_long", option=option[:30] + "…", limit=MAX_OPTION)
        if option.casefold() in seen:
            raise InvalidInput("poll.duplicate_option", option=option)
        seen.add(option.casefold())
