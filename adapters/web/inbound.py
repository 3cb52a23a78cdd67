"""Forms in: the campaign form's fields → the values of the chat's ``campaign.create`` form.

The web form asks each prompt apart (its kind, its text, a choice's options, its place in the order);
they become the chat form's ``prompts`` lines (``core.campaigns.form``: ``text``, ``text :: a | b``,
``text :: 1-5``), so that the same code checks and creates what the web console and the chat submit.
The audience is the groups' members (mode ``direct``: the ``groups`` input) or a post in one channel
(mode ``channel``: the ``channel`` picked, by the id the chat's form reads; the groups typed are then
left out, as their own linked channels would get the rounds too).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from core.campaigns.form import MAX_PROMPTS
from core.campaigns.form_check import SEPARATOR
from core.text import clean

KINDS = ("text", "choice", "scale")
#: the form's plain inputs, passed on as they are
PLAIN = ("title", "description", "groups", "start", "time", "recurrence", "timezone", "count", "until",
         "reminders", "reminder_after", "close_after")
CHECKBOXES = ("skip_weekends", "skip_holidays", "anonymous")
#: the audience: its mode (``direct`` or ``channel``) and the channel picked
AUDIENCE = ("mode", "channel")
MODES = ("direct", "channel")
#: empty prompt rows the form offers at first
FIRST_ROWS = 3


@dataclass(frozen=True)
class PromptRow:
    """One prompt of the web form, as typed."""

    kind: str = "text"
    text: str = ""
    options: str = ""
    order: int = 0

    @property
    def line(self) -> str:
        """The prompt in the chat form's line syntax (a ``::`` in the text would start the options)."""
        text = " ".join(self.text.replace(SEPARATOR, ":").split())
        if self.kind == "choice":
            options = [option.strip() for option in self.options.replace("\n", "|").split("|")]
            return f"{text} {SEPARATOR} " + " | ".join(option for option in options if option)
        if self.kind == "scale":
            return f"{text} {SEPARATOR} 1-5"
        return text


def _value(form: Mapping[str, object], name: str) -> str:
    value = form.get(name, "")
    return clean(value) if isinstance(value, str) else ""


def prompt_rows(form: Mapping[str, object]) -> list[PromptRow]:
    """The prompts typed, in the order asked (by their order number, then as listed)."""
    rows = []
    for n in range(MAX_PROMPTS + 1):
        text = _value(form, f"prompt-{n}-text")
        if f"prompt-{n}-text" not in form:
            continue
        kind = _value(form, f"prompt-{n}-kind")
        order = _value(form, f"prompt-{n}-order")
        rows.append(PromptRow(kind if kind in KINDS else "text", text[:2000],
                              _value(form, f"prompt-{n}-options")[:2000],
                              int(order) if order.isdigit() else n + 1))
    return sorted(rows, key=lambda row: row.order)


def campaign_values(form: Mapping[str, object]) -> dict[str, str]:
    """The ``campaign.create`` values of the submitted web form."""
    values = {name: _value(form, name) for name in PLAIN}
    values |= {name: "yes" if _value(form, name) else "no" for name in CHECKBOXES}
    mode = _value(form, "mode")
    values |= {"mode": mode if mode in MODES else "direct", "channel": "", "summary_channels": "no"}
    if values["mode"] == "channel":
        values |= {"groups": "", "channel": _value(form, "channel")[:255]}
    values["prompts"] = "\n".join(row.line for row in prompt_rows(form) if row.text)
    return values


def rows_to_show(form: Mapping[str, object], more: bool) -> list[PromptRow]:
    """The prompt rows the form shows again: those typed, renumbered, and one more when asked."""
    return padded([row for row in prompt_rows(form) if row.text], more)


def padded(rows: list[PromptRow], more: bool = False) -> list[PromptRow]:
    """``rows`` with empty ones after (at least ``FIRST_ROWS``, one more when asked), renumbered."""
    wanted = max(len(rows) + (1 if more else 0), FIRST_ROWS)
    rows = rows + [PromptRow() for _ in range(wanted - len(rows))]
    return [PromptRow(row.kind, row.text, row.options, n + 1) for n, row in enumerate(rows[:MAX_PROMPTS])]
