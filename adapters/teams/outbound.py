"""``Reply`` → Teams activities: an Adaptive Card (schema 1.5, what Teams supports) with a text fallback.

A reply that is only text goes out as a markdown text message. Anything with structure becomes a
card: ``TextBlock``s for text, a ``FactSet`` for fields, ``Action.Submit`` buttons whose data is
``{"action_id": …, "value": …}`` (read back by ``adapters/teams/inbound.py``), ``Input.*`` for a
form (inputs named ``in.<name>``). Teams takes an activity of at most 28 KB (PLATFORM_FACTS §16), so a
card, serialised, is kept under ``CARD_BUDGET`` bytes (the limit less what botbuilder wraps around it):
long replies are split over several cards, section by section (element by element for a section too
big on its own), text in pieces of at most ``TEXT_CHUNK`` bytes and facts in sets of that size.

Reply text is neutral markup (``core.markup``), rendered by ``to_markdown`` into the Markdown Teams reads
in text messages and in ``TextBlock``s and facts: ``**bold**``, ``_italics_``, ``[label](address)``.
Cards show no code spans, so there code is shown as its text. Only the markup makes Markdown: text is
written so that Teams reads nothing in it (``_as_is``), neither formatting nor a link nor, in text
messages, an HTML tag or an ``<at>`` mention. What Teams shows as plain text (button titles, input
labels, choices, the notification summary) gets ``markup.plain``. The words the card adds (a required
input's message) are in the reply's language.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from typing import Any

from botbuilder.core import CardFactory, MessageFactory
from botbuilder.schema import Activity

from adapters import literal
from adapters.teams.inbound import INPUT_PREFIX
from core import markup
from core.i18n import DEFAULT_LOCALE, Translator
from core.messages import Button, Field, Form, FormInput, Reply, Section
from core.text import shorten

SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
VERSION = "1.5"
ACTIVITY_LIMIT = 28 * 1024               # bytes of a whole activity, serialised (PLATFORM_FACTS §16)
ENVELOPE = 2_560                         # what botbuilder adds around a card: ids, service URL, summary
CARD_BUDGET = ACTIVITY_LIMIT - ENVELOPE  # bytes of one card (or one text message), serialised
TEXT_CHUNK = 4_000                       # bytes of one TextBlock's text, or of one FactSet
MAX_ACTIONS = 6
SCALE = tuple(str(n) for n in range(1, 6))
Element = dict[str, Any]


def is_plain(reply: Reply) -> bool:
    return not (reply.sections or reply.buttons or reply.form or reply.title or reply.context or reply.image
                or reply.attachment)


#: a ``<`` that could open a tag or an ``<at>`` mention, a ``](`` that joins a link's label to its
#: address, a ``>`` opening a line (a quote in text messages)
_OPENERS = re.compile(r"<|(?<=\])(?=\()|\]$|^(?=[ \t]*>)", re.MULTILINE)


def _as_is(text: str) -> str:
    """A run of text as Markdown that Teams shows as it is. Teams clients disagree on backslash escapes
    (iOS and Android show the backslash), so formatting characters are written as look-alikes and an
    invisible space separates what would pair up (``adapters/literal.py``)."""
    return _OPENERS.sub(lambda found: found.group() + literal.ZERO_WIDTH, literal.markers(text))


def _link(label: str, url: str) -> str:
    return f"[{_as_is(label or url)}]({url})"


#: the Markdown of Adaptive Card ``TextBlock``s and facts, which show no code spans (code is text there)
CARD = markup.Style(bold="**", italic="_", text=_as_is, code=_as_is, link=_link)
#: the Markdown of text messages, which do show code
MESSAGE = replace(CARD, code=lambda text: f"`{text.replace('`', literal.LOOKALIKES['`'])}`")


def to_markdown(text: str, *, code: bool = False) -> str:
    """Neutral markup → Teams Markdown, code in backquotes only with ``code`` (text messages)."""
    return markup.render(text, MESSAGE if code else CARD)


def activities(reply: Reply, image_url: str | None = None, file_url: str | None = None) -> list[Activity]:
    """What to send for ``reply``: one text message, or one or more cards (its picture, found at
    ``image_url``, and the link to its file, ``file_url``, in the first)."""
    if is_plain(reply):
        text = to_markdown(reply.text, code=True)
        return [text_message(chunk) for chunk in _chunks(text, CARD_BUDGET)]
    return [card_message(card, reply.text) for card in cards(reply, image_url, file_url)]


def text_message(text: str) -> Activity:
    """A text message of already rendered Markdown ``text``."""
    activity = MessageFactory.text(text)
    activity.text_format = "markdown"
    return activity


def card_message(card: Element, fallback: str) -> Activity:
    activity = MessageFactory.attachment(CardFactory.adaptive_card(card))
    activity.summary = shorten(markup.plain(fallback), 200)
    return activity


def _picture(reply: Reply, url: str | None, t: Translator) -> list[Element]:
    """The reply's picture, or a word saying it cannot be shown here."""
    if reply.image is None:
        return []
    if url is None:
        return [_subtle(to_markdown(t("teams.chart_unavailable")))]
    return [{"type": "Image", "url": url, "altText": markup.plain(reply.image.alt)[:1000], "size": "Stretch"}]


def _download(reply: Reply, url: str | None, t: Translator) -> list[Element]:
    """The link to the reply's file (``adapters.teams.downloads``), or a word saying there is none."""
    if reply.attachment is None:
        return []
    if url is None:
        return [_text(to_markdown(t("teams.file_unavailable")), error=True)]
    note = _subtle(to_markdown(t("teams.file_ready", name=reply.attachment.name)))
    return [note, {"type": "ActionSet", "actions": [
        {"type": "Action.OpenUrl", "title": t("teams.download.action"), "url": url}]}]


def cards(reply: Reply, image_url: str | None = None, file_url: str | None = None) -> list[Element]:
    """The reply as cards, each under ``CARD_BUDGET`` bytes once serialised."""
    t = Translator(reply.locale or DEFAULT_LOCALE, plain=True)
    head = (_title(reply) + _picture(reply, image_url, t) + _texts(_intro(reply), reply.error)
            + _download(reply, file_url, t))
    blocks = [head] + [_section(section) for section in reply.sections]
    blocks.append(_form(reply.form, t) if reply.form else [])
    blocks.append([_subtle(chunk) for chunk in _chunks(to_markdown(reply.context or ""), TEXT_CHUNK)])
    actions = [_submit(button) for button in reply.buttons[:MAX_ACTIONS]]
    if reply.form:
        actions.insert(0, _form_submit(reply.form))
    room = CARD_BUDGET - _size(_card([], actions, reply.text))  # what the body may take
    pages: list[list[Element]] = [[]]
    for block in blocks:
        for piece in [block] if _size(block) <= room else [[element] for element in block]:
            if pages[-1] and _size(pages[-1] + piece) > room:
                pages.append([])
            pages[-1].extend(piece)
    return [_card(body, actions if n == len(pages) - 1 else [], reply.text)
            for n, body in enumerate(pages)]


def _card(body: list[Element], actions: list[Element], fallback: str) -> Element:
    card: Element = {"$schema": SCHEMA, "type": "AdaptiveCard", "version": VERSION, "body": body,
                     "fallbackText": shorten(markup.plain(fallback), 2000), "msteams": {"width": "Full"}}
    if actions:
        card["actions"] = actions
    return card


def _intro(reply: Reply) -> str:
    """The reply's text, minus the sections' text it usually repeats for plain-text readers."""
    texts = [section.text for section in reply.sections if section.text]
    if not texts:
        return reply.text
    first, last = reply.text.find(texts[0]), reply.text.rfind(texts[-1])
    if first < 0 or last < first:
        return reply.text
    return (reply.text[:first] + "\n\n" + reply.text[last + len(texts[-1]):]).strip()


def _title(reply: Reply) -> list[Element]:
    if not reply.title:
        return []
    return [{"type": "TextBlock", "text": to_markdown(reply.title), "size": "Medium", "weight": "Bolder",
             "wrap": True}]


def _text(text: str, error: bool = False) -> Element:
    block: Element = {"type": "TextBlock", "text": text, "wrap": True}
    if error:
        block["color"] = "Attention"
    return block


def _texts(text: str, error: bool = False) -> list[Element]:
    """``TextBlock``s for neutral markup ``text``, rendered and cut into pieces a card can hold."""
    return [_text(chunk, error) for chunk in _chunks(to_markdown(text), TEXT_CHUNK)]


def _subtle(text: str) -> Element:
    """A small, subtle ``TextBlock`` of already rendered Markdown ``text``."""
    return {"type": "TextBlock", "text": text, "wrap": True, "isSubtle": True, "size": "Small"}


def _section(section: Section) -> list[Element]:
    block = _texts(section.text)
    block += _fact_sets(section.fields)
    if section.buttons:
        block.append({"type": "ActionSet",
                      "actions": [_submit(button) for button in section.buttons[:MAX_ACTIONS]]})
    if block:
        block[0] = {**block[0], "separator": True, "spacing": "Medium"}
    return block


def _fact_sets(fields: tuple[Field, ...]) -> list[Element]:
    """Fields as ``FactSet``s of at most ``TEXT_CHUNK`` bytes each."""
    sets: list[list[Element]] = []
    for item in fields:
        fact = {"title": _cut(to_markdown(item.label), TEXT_CHUNK // 4),
                "value": _cut(to_markdown(item.value), TEXT_CHUNK // 2)}
        if not sets or _size(sets[-1] + [fact]) > TEXT_CHUNK:
            sets.append([])
        sets[-1].append(fact)
    return [{"type": "FactSet", "facts": facts} for facts in sets]


def _cut(text: str, size: int) -> str:
    """``text``, or its start with an ellipsis when it weighs more than ``size`` bytes."""
    pieces = _chunks(text, size - 3)
    return pieces[0] + "…" if len(pieces) > 1 else text


def _submit(button: Button) -> Element:
    action: Element = {"type": "Action.Submit", "title": markup.plain(button.label),
                       "data": {"action_id": button.action_id, "value": button.value}}
    if button.style:
        action["style"] = "positive" if button.style == "primary" else "destructive"
    return action


def _form_submit(form: Form) -> Element:
    return {"type": "Action.Submit", "title": markup.plain(form.submit_label), "style": "positive",
            "data": {"action_id": form.action_id, "value": form.value}}


def _form(form: Form, t: Translator) -> list[Element]:
    title = {"type": "TextBlock", "text": to_markdown(form.title), "weight": "Bolder", "wrap": True,
             "separator": True}
    elements = [title]
    for item in form.inputs:
        elements.append(_input(item, t))
        if item.error:  # the form came back to be fixed: the problem right under its input
            elements.append({**_text(to_markdown(item.error), error=True), "spacing": "None",
                             "size": "Small"})
    return elements


def _input(item: FormInput, t: Translator) -> Element:
    base: Element = {"id": INPUT_PREFIX + item.name, "label": markup.plain(item.label),
                     "isRequired": item.required}
    if item.required:
        base["errorMessage"] = t("teams.input_required")
    if item.kind in ("choice", "scale"):
        options = item.options or ()
        choices = [{"title": markup.plain(o.label), "value": o.value} for o in options] or \
                  [{"title": n, "value": n} for n in SCALE]
        style = "expanded" if item.kind == "scale" else "compact"
        return {**base, "type": "Input.ChoiceSet", "style": style, "choices": choices,
                "value": item.initial}
    text: Element = {**base, "type": "Input.Text", "isMultiline": item.kind == "multiline",
                     "placeholder": markup.plain(item.placeholder), "value": item.initial}
    if item.max_length:
        text["maxLength"] = item.max_length
    return text


def _chunks(text: str, size: int) -> list[str]:
    """``text`` in pieces of at most ``size`` bytes once in JSON, cut at line ends where possible."""
    if not text:
        return []
    pieces: list[str] = []
    while _weight(text) > size:
        fits = _fitting(text, size)
        cut = text.rfind("\n", 0, fits)
        cut = cut if cut > fits // 2 else fits
        pieces.append(text[:cut])
        text = text[cut:].lstrip("\n")
    return pieces + ([text] if text else [])


def _weight(text: str) -> int:
    """Bytes ``text`` takes in a serialised activity (UTF-8, JSON escapes, no quotes)."""
    return len(json.dumps(text, ensure_ascii=False).encode()) - 2


def _fitting(text: str, size: int) -> int:
    """How many characters of ``text``, from its start, weigh at most ``size`` (at least one)."""
    low, high = 1, min(len(text), size)
    while low < high:
        middle = (low + high + 1) // 2
        if _weight(text[:middle]) <= size:
            low = middle
        else:
            high = middle - 1
    return low


def _size(value: list[Element] | Element) -> int:
    return len(json.dumps(value, ensure_ascii=False).encode())


def card_of(reply: Reply) -> Element:
    """One card for ``reply`` (an ``adaptiveCard/action`` invoke answers with a single card)."""
    return cards(reply)[0] if not is_plain(reply) else _card(
        _texts(reply.text, reply.error)[:6], [], reply.text)
