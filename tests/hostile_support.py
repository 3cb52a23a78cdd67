"""Member-written text that tries to be markup, for the escaping tests of issue 12 (finding 5).

``HOSTILE`` carries what each platform would read as a ping, a mention, a disguised link, a link,
formatting or a Teams mention; ``NAME`` is the part that fits a group name (80 characters at most).
``literal`` tells whether neutral markup shows a piece of member text as itself: inside one run of
text, neither a link nor code, with no marker of its own (the run may be bold or italic because a
catalog template made it so, never because of the member's characters).
"""

from __future__ import annotations

from collections.abc import Iterator

from core.markup import parse, plain
from core.messages import Reply

NAME = "<!channel> <@U123> <https://x|y> *b* _i_ ~s~ `c` [a](https://x) **b**"
HOSTILE = NAME + " <at>Ana</at>"
#: a terminal escape sequence: red text from here on, if it reached the terminal
ANSI = "\x1b[31m"
#: in every piece, once
MARK = "<https://x|y>"


def literal(text: str, piece: str) -> bool:
    """Whether neutral markup ``text`` shows every ``piece`` it holds as typed, each within one run of
    text (``<https://x|y>`` marks where a piece was put)."""
    kept = sum(span.text.count(piece) for span in parse(text) if span.url is None and not span.code)
    return kept >= 1 and kept == plain(text).count(MARK)


def markup_fields(reply: Reply) -> Iterator[str]:
    """Every piece of neutral markup a reply carries: text, title, context, sections and fields."""
    yield reply.text
    for value in (reply.title, reply.context):
        if value:
            yield value
    for section in reply.sections:
        yield section.text
        for field in section.fields:
            yield field.label
            yield field.value
    if reply.form is not None:
        yield reply.form.title


def plain_fields(reply: Reply) -> Iterator[str]:
    """What platforms show as plain text: button labels, form inputs and their options."""
    for button in (*reply.buttons, *(b for section in reply.sections for b in section.buttons)):
        yield plain(button.label)
    if reply.form is not None:
        for field in reply.form.inputs:
            yield plain(field.label)
            yield from (plain(option.label) for option in field.options)


def shown(reply: Reply, piece: str = HOSTILE) -> bool:
    """Whether ``piece`` is shown as typed somewhere in ``reply``, and nowhere as markup: every field
    holding part of it holds all of it, literally."""
    found = False
    for text in markup_fields(reply):
        if MARK in plain(text):
            assert literal(text, piece), f"member text read as markup in {text!r}"
            found = True
    for text in plain_fields(reply):
        if MARK in text:
            assert text.count(piece) == text.count(MARK), f"member text lost its characters in {text!r}"
            found = True
    return found


#: ``HOSTILE`` in Slack mrkdwn: ``&<>`` as entities, formatting characters as their look-alikes
SLACK_SHOWN = ("&lt;!channel&gt; &lt;@U123&gt; &lt;https://x|y&gt; \u2217b\u2217 \u02cdi\u02cd \u223cs\u223c "
               "\u02cbc\u02cb [a](https://x) \u2217\u2217b\u2217\u2217 &lt;at&gt;Ana&lt;/at&gt;")
#: ``HOSTILE`` in Teams Markdown: look-alikes, and an invisible space after ``<`` and inside ``](``
TEAMS_SHOWN = ("<\u200b!channel> <\u200b@U123> <\u200bhttps://x|y> \u2217b\u2217 \u02cdi\u02cd \u223cs\u223c "
               "\u02cbc\u02cb [a]\u200b(https://x) \u2217\u2217b\u2217\u2217 <\u200bat>Ana<\u200b/at>")
#: what no platform text may hold: a ping, a mention, a disguised link, a link, formatting
SLACK_MARKUP = ("<!channel>", "<@U123>", "<https://x", "*b*", "_i_", "~s~", "`c`")
TEAMS_MARKUP = ("<at>", "](https://x)", "*b*", "_i_", "~s~", "`c`")
