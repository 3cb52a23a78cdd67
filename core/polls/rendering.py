"""What a poll's message says: the question, each option with its count, and its buttons.

Counts only, never names. An anonymous poll shows its counts once ``[campaigns] anonymity_min``
people voted (before that, how many voted so far): a count of one next to the moment someone was
seen clicking would say what they chose. A closed poll shows its final results and no button.
"""

from __future__ import annotations

from core.i18n import Translator
from core.markup import escape
from core.messages import Button, Reply
from core.polls.models import Poll
from core.polls.votes import Tally

VOTE, CLOSE = "poll.vote", "poll.close"
BAR_WIDTH = 10


def _votes(t: Translator, count: int) -> str:
    return t.plural("poll.votes", count)


def _bar(count: int, total: int) -> str:
    filled = round(BAR_WIDTH * count / total) if total else 0
    return "▓" * filled + "░" * (BAR_WIDTH - filled)


def _lines(t: Translator, poll: Poll, tally: Tally, minimum: int) -> list[str]:
    hidden = poll.anonymous and tally.voters < minimum
    lines = []
    for number, (option, count) in enumerate(zip(poll.options, tally.counts, strict=True), start=1):
        if hidden:
            lines.append(t("poll.line_hidden", number=number, option=option))
            continue
        share = round(100 * count / tally.voters) if tally.voters else 0
        lines.append(t("poll.line", number=number, option=option, bar=_bar(count, tally.voters),
                       votes=_votes(t, count), share=share))
    return lines


def _footer(t: Translator, poll: Poll, tally: Tally, minimum: int, author: str) -> str:
    notes = [t("poll.by", author=author), t.plural("poll.voters", tally.voters)]
    if poll.anonymous:
        notes.append(t("poll.anonymous_note") if tally.voters >= minimum
                     else t("poll.anonymous_hidden", least=minimum))
    notes.append(t("poll.closed_note") if poll.closed_at is not None else t("poll.open_note"))
    return " · ".join(notes)


def message(poll: Poll, tally: Tally, minimum: int, author: str) -> Reply:
    """The poll's message in the author's language, for everyone in the conversation."""
    assert poll.id is not None
    t = Translator(poll.locale)
    lines = _lines(t, poll, tally, minimum)
    title = t("poll.title_closed" if poll.closed_at is not None else "poll.title", question=poll.question)
    buttons: tuple[Button, ...] = ()
    if poll.closed_at is None:
        buttons = tuple(Button(escape(option), VOTE, f"{poll.id}:{n}")
                        for n, option in enumerate(poll.options))
        buttons += (Button(t("poll.close_button"), CLOSE, str(poll.id), style="danger"),)
    footer = _footer(t, poll, tally, minimum, author)
    return Reply(text="\n".join(lines), title=title, buttons=buttons, context=footer, visibility="public",
                 locale=poll.locale)
