"""Platform-neutral replies: what the core says, before any adapter renders it.

Adapters turn a ``Reply`` into Block Kit (Slack), an Adaptive Card (Teams) or plain text (console).
Every string here is already localised, in the language ``Reply.locale`` names, and written in the
neutral markup of ``core.markup`` (adapters render it: Slack mrkdwn, Teams Markdown, plain text where
the platform shows plain text). The few words an adapter adds around a reply (a required-field hint,
a "click again") come from the catalogs in ``Reply.locale`` too: adapters never look the member up.
Input values (``FormInput.initial``, ``Button.value``) are data, not markup.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal

Visibility = Literal["private", "public"]
InputKind = Literal["text", "multiline", "choice", "scale"]
ButtonStyle = Literal["primary", "danger"]


@dataclass(frozen=True)
class Button:
    """A clickable choice; a click comes back as ``core.commands.router.Action(action_id, value)``."""

    label: str
    action_id: str
    value: str = ""
    style: ButtonStyle | None = None


@dataclass(frozen=True)
class Field:
    """A short label/value pair, shown side by side where the platform can."""

    label: str
    value: str


@dataclass(frozen=True)
class Section:
    """A block of text with optional fields and buttons attached to it."""

    text: str = ""
    fields: tuple[Field, ...] = ()
    buttons: tuple[Button, ...] = ()


@dataclass(frozen=True)
class Option:
    """One choice of a ``choice`` or ``scale`` input."""

    label: str
    value: str


@dataclass(frozen=True)
class FormInput:
    """One input of a form (Slack modal, Teams ``Input.*``, console prompt)."""

    name: str
    label: str
    kind: InputKind = "text"
    options: tuple[Option, ...] = ()
    required: bool = True
    placeholder: str = ""
    initial: str = ""
    max_length: int | None = None
    #: what was wrong with the value last submitted (neutral markup), shown under the input when a
    #: form comes back to be fixed; the console then asks only the inputs that have one
    error: str = ""


@dataclass(frozen=True)
class Form:
    """A form whose submission comes back as an ``Action`` with ``action_id`` and the input values."""

    title: str
    action_id: str
    submit_label: str
    inputs: tuple[FormInput, ...]
    value: str = ""
    #: an action that checks one answer as it is typed, where a platform asks the inputs one at a
    #: time (the console): sent with ``value`` = the input's name and ``values`` = the answers so far
    #: (the others as prefilled); an error reply means "ask that input again"
    check_action: str = ""


@dataclass(frozen=True)
class Image:
    """A picture that goes with a reply (a chart): PNG bytes, the words that stand for it where it
    cannot be shown (and for screen readers), and a file name. Each adapter shows it its own way:
    Slack uploads it, Teams puts it in the card, the console writes it to a file."""

    png: bytes = field(repr=False)
    alt: str
    name: str = "chart.png"

    def as_file(self) -> Attachment:
        """The picture as a file, for the platforms that hand pictures over as files (Slack, the console)."""
        return Attachment(self.png, self.name, "image/png", self.alt)


@dataclass(frozen=True)
class Attachment:
    """A file that goes with a reply for the member to keep (the export of their data): its bytes, file
    name, media type and the words that describe it. Never shown inline: Slack uploads it into the
    member's direct messages, Teams gives a download link Parvis serves once, the console writes it to
    a file readable by its owner only. ``member_id`` is whom the file is about, so that a copy kept
    for download is deleted when they are erased. It goes with the reply to a command (the
    interactive path); what the outbox sends carries no file."""

    data: bytes = field(repr=False)
    name: str
    media_type: str
    description: str
    member_id: int | None = None

    @property
    def is_image(self) -> bool:
        return self.media_type.startswith("image/")


@dataclass(frozen=True)
class Reply:
    """What the core answers to an invocation or an action, or sends proactively.

    ``text`` is always set: it is the whole message on plain-text platforms and the notification
    fallback elsewhere. ``visibility`` says whether the channel may see it (announcements) or only the
    member who asked (the default). ``locale`` is the language it is written in, set by whoever
    wrote it (the router for command replies, the renderers for what the outbox sends). ``image`` is a
    picture shown with the reply, ``attachment`` a file handed over with it.
    """

    text: str
    title: str | None = None
    sections: tuple[Section, ...] = ()
    buttons: tuple[Button, ...] = ()
    form: Form | None = None
    context: str | None = None
    visibility: Visibility = "private"
    error: bool = False
    extra: dict[str, str] = field(default_factory=dict)
    locale: str | None = None
    image: Image | None = None
    #: nothing to show: the adapter answers its platform as it must (an empty acknowledgement) and
    #: says nothing — a pilot's outsider after their one notice (``core.governance.gate``)
    silent: bool = False
    attachment: Attachment | None = None

    def localised(self, locale: str) -> Reply:
        """This reply marked as written in ``locale``, unless its author already said otherwise."""
        return self if self.locale else replace(self, locale=locale)
