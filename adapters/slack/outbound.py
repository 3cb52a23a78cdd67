"""``Reply`` → Block Kit, always within Slack's limits.

Limits (PLATFORM_FACTS §5): 50 blocks per message, 3,000 characters per section text, 10 fields of
2,000, 25 elements per actions block, header 150, button text 75, modal title/submit 24. Long text is
split into several sections at line breaks; a reply longer than one message becomes several pages
(``render_pages``), each a complete message with its own text fallback, so Slack never rejects one.

Reply text is neutral markup (``core.markup``); ``to_mrkdwn`` renders it as Slack mrkdwn. Only the
markup makes mrkdwn: in text, ``&``, ``<`` and ``>`` become entities (no mention, ping or link in
disguise), and the formatting characters Slack has no escape for are written as look-alikes
(``adapters/literal.py``), so member text never turns bold, italic, struck or code. Every mrkdwn object
is ``verbatim``: Slack does not link bare names and addresses of its own accord either. What Slack shows
as plain text (headers, buttons, modal titles, labels, options) gets ``markup.plain``.
"""

from __future__ import annotations

import json
import re
from collections import OrderedDict
from functools import lru_cache
from typing import Any

from adapters import literal
from core import markup
from core.messages import Button, Field, Form, FormInput, Reply, Section

Block = dict[str, Any]

MAX_BLOCKS = 50
MAX_MODAL_BLOCKS = 100
SECTION_TEXT = 3000
FIELD_TEXT = 2000
MAX_FIELDS = 10
MAX_ACTIONS = 25
HEADER_TEXT = 150
BUTTON_TEXT = 75
BUTTON_VALUE = 2000
MODAL_TEXT = 24
FALLBACK_TEXT = 39_000
MAX_OPTIONS = 100
OPTION_TEXT = 75
SCALE = tuple(str(n) for n in range(1, 6))


def cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def split_text(text: str, limit: int = SECTION_TEXT) -> list[str]:
    """Pieces of at most ``limit`` characters, broken at line ends (else at spaces, else anywhere)."""
    pieces: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        at = rest.rfind("\n", 0, limit)
        if at <= 0:
            at = rest.rfind(" ", 0, limit)
        if at <= 0:
            at = limit
        pieces.append(rest[:at].rstrip())
        rest = rest[at:].lstrip()
    if rest:
        pieces.append(rest)
    return pieces


#: Slack also reads the full-width forms of its markers (for languages typed without spaces)
FULL_WIDTH = {"\uff0a": "\ufe61", "\uff3f": "\u2e0f", "\uff40": "\u02cb"}
#: a ``>`` (or full-width ``＞``) opening a line makes a quote; a soft hyphen before it does not
_QUOTE = re.compile(r"^(?=[ \t]*[>\uff1e])", re.MULTILINE)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


#: what ``_text`` changes; a run without any of these (most words and names) is mrkdwn as it is
_CHANGED = re.compile("[&<>*_~`\uff1e" + "".join(FULL_WIDTH) + "]")


def _text(text: str) -> str:
    """A run of text as mrkdwn that Slack shows as it is: no entity, mention, link or formatting."""
    if not _CHANGED.search(text):
        return text
    return _escape(_QUOTE.sub("\u00ad", literal.markers(text, FULL_WIDTH)))


def _code(text: str) -> str:
    return f"`{_escape(text.replace('`', literal.LOOKALIKES['`']))}`"


def _link(label: str, url: str) -> str:
    address = url.replace("&", "&amp;").replace("<", "%3C").replace(">", "%3E").replace("|", "%7C")
    return f"<{address}|{_text(label)}>" if label else f"<{address}>"


#: Slack mrkdwn: ``*bold*``, ``_italics_``, a backquoted code, ``<address|label>``; text as it is
MRKDWN = markup.Style(bold="*", italic="_", text=_text, code=_code, link=_link)


def to_mrkdwn(text: str) -> str:
    """Neutral markup → Slack mrkdwn.

    Rendering is most of what an acknowledgement costs once the core has answered, and the same
    texts come back (a group's line in every member's ``group list``, help, campaign prompts): short
    texts are remembered."""
    return _to_mrkdwn(text) if len(text) <= MRKDWN_KEPT_UP_TO else markup.render(text, MRKDWN)


#: the longest text whose mrkdwn is remembered (a section, a line, a prompt; not a whole long reply)
MRKDWN_KEPT_UP_TO = 2000


@lru_cache(maxsize=4096)
def _to_mrkdwn(text: str) -> str:
    return markup.render(text, MRKDWN)


def mrkdwn(text: str) -> dict[str, Any]:
    """A mrkdwn text object of already rendered ``text``; ``verbatim``: Slack links nothing itself."""
    return {"type": "mrkdwn", "text": text, "verbatim": True}


def sections_of(text: str, prefix: str = "") -> list[Block]:
    """Section blocks for neutral markup ``text`` (after a mrkdwn ``prefix``), split within Slack's limit."""
    rendered = to_mrkdwn(text)
    return [{"type": "section", "text": mrkdwn(piece)}
            for piece in split_text(prefix + rendered if rendered.strip() else "")]


def plain(text: str, limit: int) -> dict[str, Any]:
    """A plain-text object: neutral markup shown without its markers."""
    return {"type": "plain_text", "text": cut(markup.plain(text), limit) or " ", "emoji": True}


def button(item: Button, taken: set[str]) -> Block:
    """A button; its action id is made unique within its block (``#n``, stripped by inbound)."""
    action_id, n = item.action_id[:250], 1
    while action_id in taken:
        n += 1
        action_id = f"{item.action_id[:250]}#{n}"
    taken.add(action_id)
    element: Block = {"type": "button", "text": plain(item.label, BUTTON_TEXT), "action_id": action_id}
    if item.value:
        element["value"] = item.value[:BUTTON_VALUE]
    if item.style:
        element["style"] = item.style
    return element


def actions(buttons: tuple[Button, ...]) -> list[Block]:
    blocks = []
    for start in range(0, len(buttons), MAX_ACTIONS):
        taken: set[str] = set()
        blocks.append({"type": "actions",
                       "elements": [button(item, taken) for item in buttons[start:start + MAX_ACTIONS]]})
    return blocks


def _field(item: Field) -> dict[str, Any]:
    return mrkdwn(cut(to_mrkdwn(f"**{item.label}**\n{item.value}"), FIELD_TEXT))


def section(item: Section) -> list[Block]:
    """One ``Section`` → section blocks (text split, fields by tens) and its buttons."""
    blocks = sections_of(item.text)
    for start in range(0, len(item.fields), MAX_FIELDS):
        chunk = [_field(f) for f in item.fields[start:start + MAX_FIELDS]]
        if blocks and "fields" not in blocks[-1] and start == 0:
            blocks[-1]["fields"] = chunk
        else:
            blocks.append({"type": "section", "fields": chunk})
    if len(item.buttons) == 1 and blocks:
        blocks[-1]["accessory"] = button(item.buttons[0], set())
    elif item.buttons:
        blocks.extend(actions(item.buttons))
    return blocks


def _around_sections(reply: Reply) -> tuple[str, str]:
    """The part of ``text`` before the first section and after the last (``text`` usually repeats
    the sections for plain-text readers; show the rest once, not everything twice)."""
    texts = [item.text for item in reply.sections if item.text]
    if not texts:
        return reply.text, ""
    first, last = reply.text.find(texts[0]), reply.text.rfind(texts[-1])
    if first < 0 or last < first:
        return reply.text, ""
    return reply.text[:first].strip(), reply.text[last + len(texts[-1]):].strip()


def blocks_of(reply: Reply) -> list[Block]:
    """Every block of a reply, however many."""
    blocks: list[Block] = []
    if reply.title:
        blocks.append({"type": "header", "text": plain(reply.title, HEADER_TEXT)})
    before, after = _around_sections(reply) if reply.sections else (reply.text, "")
    blocks += sections_of(before, ":warning: " if reply.error else "")
    for item in reply.sections:
        blocks += section(item)
    blocks += sections_of(after)
    blocks += actions(reply.buttons)
    if reply.context:
        blocks += [{"type": "context", "elements": [mrkdwn(piece)]}
                   for piece in split_text(to_mrkdwn(reply.context))]
    return blocks


def fallback(reply: Reply) -> str:
    """The notification text (and the whole message when there are no blocks): title and text."""
    text = f"{reply.title}\n{reply.text}" if reply.title and reply.title not in reply.text else reply.text
    return cut(to_mrkdwn(text) or " ", FALLBACK_TEXT)


def render_pages(reply: Reply) -> list[dict[str, Any]]:
    """Message payloads (``text`` + ``blocks``) of at most 50 blocks each, in order."""
    blocks = blocks_of(reply)
    text = fallback(reply)
    if not blocks:
        return [{"text": text}]
    return [{"text": text, "blocks": blocks[start:start + MAX_BLOCKS]}
            for start in range(0, len(blocks), MAX_BLOCKS)]


class SerializedAcks:
    """Acknowledgement bodies of replies answered from memory, rendered and encoded once per reply.

    The router hands back the very same ``Reply`` object for every repeat of a cached command, so its
    Block Kit and JSON are made once (``help``, 8 KB of JSON, took 35 us to render and encode each
    time). Entries hold their reply, so an ``id`` is never mistaken for a later object's.
    """

    def __init__(self, size: int = 1024) -> None:
        self.size = size
        self._entries: OrderedDict[tuple[int, str], tuple[Reply, str, list[dict[str, Any]]]] = OrderedDict()

    def of(self, reply: Reply, kind: str) -> tuple[str, list[dict[str, Any]]]:
        """The first page as a JSON acknowledgement of ``kind``, and the pages that follow it."""
        key = (id(reply), kind)
        found = self._entries.get(key)
        if found is not None and found[0] is reply:
            self._entries.move_to_end(key)
            return found[1], found[2]
        first, *rest = render_pages(reply)
        body = json.dumps({"response_type": kind, **first})
        self._entries[key] = (reply, body, rest)
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)
        return body, rest


def render(reply: Reply) -> dict[str, Any]:
    """The first page: what fits in one acknowledgement or one message."""
    return render_pages(reply)[0]


def _options(field: FormInput) -> list[dict[str, Any]]:
    choices = [(o.label, o.value) for o in field.options] or [(n, n) for n in SCALE]
    return [{"text": plain(label, OPTION_TEXT), "value": value[:150]}
            for label, value in choices[:MAX_OPTIONS]]


def _element(field: FormInput) -> Block:
    if field.kind in ("choice", "scale"):
        element: Block = {"type": "static_select", "action_id": field.name, "options": _options(field)}
        initial = [o for o in element["options"] if o["value"] == field.initial]
        if initial:
            element["initial_option"] = initial[0]
        return element
    element = {"type": "plain_text_input", "action_id": field.name, "multiline": field.kind == "multiline"}
    if field.initial:
        element["initial_value"] = field.initial
    if field.placeholder:
        element["placeholder"] = plain(field.placeholder, 150)
    if field.max_length:
        element["max_length"] = field.max_length
    return element


def input_block(field: FormInput) -> Block:
    return {"type": "input", "block_id": field.name, "label": plain(field.label, FIELD_TEXT),
            "optional": not field.required, "element": _element(field)}


def modal(form: Form, channel: str | None = None, intro: str = "") -> Block:
    """A form → a modal view; the submission comes back with ``callback_id`` = the form's action id,
    and ``private_metadata`` keeps the form's value and the channel the form was opened from. An
    ``intro`` that only repeats an input's label (a one-question form) is not shown twice."""
    meta = {"v": form.value} | ({"c": channel} if channel else {})
    if intro.strip() in {field.label.strip() for field in form.inputs}:
        intro = ""
    blocks = sections_of(intro)
    blocks += [input_block(field) for field in form.inputs]
    return {"type": "modal", "callback_id": form.action_id[:255], "title": plain(form.title, MODAL_TEXT),
            "submit": plain(form.submit_label, MODAL_TEXT), "private_metadata": json.dumps(meta)[:3000],
            "blocks": blocks[:MAX_MODAL_BLOCKS]}
