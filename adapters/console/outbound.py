"""``Reply`` → readable plain text for a terminal.

Buttons become numbered choices (``[1] Join  [2] Leave``) that the member picks by typing the number;
fields become ``label: value`` lines; a form is announced here and then asked one input at a time
(``adapters/console/inbound.py``). The renderer adds no words of its own beyond the catalog's, in the
reply's language. A terminal shows plain text: the neutral markup of the reply (``core.markup``) is
shown without its markers, a link as ``label (address)``. A terminal also obeys control characters
(escape sequences recolour, move the cursor, retitle the window; a carriage return overwrites the
line; a bidirectional override reorders it), so everything written shows them as symbols instead
(``printable``): member text from a directory import or a profile prints as it was typed, inert.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from core.i18n import DEFAULT_LOCALE, Translator
from core.markup import plain
from core.messages import Attachment, Button, Field, Form, Reply, Section

RULE = "─"
TITLE_RULE_MAX = 60
#: C0 controls but line feed and tab, and DEL: Unicode's pictures of them (``\x1b`` → ``␛``)
_PICTURED = {code: 0x2400 + code for code in range(0x20) if chr(code) not in "\n\t"} | {0x7F: 0x2421}
#: C1 controls (``\x9b`` starts a sequence too) and bidirectional controls: a replacement character
_REPLACED = dict.fromkeys([*range(0x80, 0xA0), 0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F),
                           *range(0x2066, 0x206A)], 0xFFFD)
_INERT = _PICTURED | _REPLACED


def printable(text: str) -> str:
    """``text`` with no character a terminal would obey rather than show, keeping line feeds and tabs."""
    return text.translate(_INERT)


@dataclass(frozen=True)
class Rendered:
    """The text to print and the buttons its numbers stand for (``choices[0]`` is ``[1]``)."""

    text: str
    choices: tuple[Button, ...]


def banner(label: str) -> str:
    """``── message to Ana Martin ──``: marks what Parvis sends to someone other than the reader."""
    return f"{RULE * 2} {label} {RULE * 2}"


def _buttons(buttons: tuple[Button, ...], first: int | None) -> str:
    """``[1] Join  [2] Leave``, or ``[Join]  [Leave]`` when the reader cannot pick them."""
    if first is None:
        return "  ".join(f"[{plain(button.label)}]" for button in buttons)
    return "  ".join(f"[{first + i}] {plain(button.label)}" for i, button in enumerate(buttons))


def _fields(fields: tuple[Field, ...]) -> list[str]:
    return [f"{plain(field.label)}: {plain(field.value)}" for field in fields]


def _body(reply: Reply) -> tuple[str, str]:
    """What to print before and after the sections.

    ``Reply.text`` is the whole message for plain-text readers, and usually already holds the
    sections' text; print the part around it once, rather than everything twice.
    """
    texts = [section.text for section in reply.sections if section.text]
    if not texts:
        return reply.text, ""
    first = reply.text.find(texts[0])
    last = reply.text.rfind(texts[-1])
    if first < 0 or last < first:
        return reply.text, ""
    return reply.text[:first].strip(), reply.text[last + len(texts[-1]):].strip()


def _section(section: Section, first: int | None) -> list[str]:
    lines = [plain(section.text)] if section.text else []
    lines += _fields(section.fields)
    if section.buttons:
        lines.append(_buttons(section.buttons, first))
    return lines


def render(reply: Reply, numbered: bool = True, first: int = 1) -> Rendered:
    """The reply as text, with every button (sections' first, then the reply's) numbered from
    ``first`` (1 but for a follow-up, whose buttons come after its message's); ``numbered=False`` for
    messages the reader only sees (sent to someone else)."""
    t = Translator(reply.locale or DEFAULT_LOCALE, plain=True)
    blocks: list[str] = []
    if reply.title:
        title = plain(reply.title)
        blocks.append(f"{title}\n{RULE * min(max(len(title), 3), TITLE_RULE_MAX)}")
    head, tail = _body(reply)
    if head:
        blocks.append(("⚠ " if reply.error else "") + plain(head))
    choices: list[Button] = []
    for section in reply.sections:
        lines = _section(section, len(choices) + first if numbered else None)
        choices += section.buttons
        if lines:
            blocks.append("\n".join(lines))
    if tail:
        blocks.append(plain(tail))
    if reply.buttons:
        blocks.append(_buttons(reply.buttons, len(choices) + first if numbered else None))
        choices += reply.buttons
    if reply.form is not None and numbered:
        fixing = any(item.error for item in reply.form.inputs)
        blocks.append(t("console.form_fix_intro" if fixing else "console.form_intro",
                        title=plain(reply.form.title)))
    if reply.context and reply.context != tail:
        blocks.append(plain(reply.context))
    if choices and numbered:
        blocks.append(t("console.choose_hint", last=len(choices) + first - 1))
    return Rendered("\n\n".join(blocks), tuple(choices) if numbered else ())


class SavedFiles:
    """Where the console writes the files of replies (a chart, a member's export): a directory of its
    own, readable by its owner only, each file too (figures and personal data are not for every user
    of the machine), made on the first file."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory

    def save(self, file: Attachment) -> Path:
        if self.directory is None:
            self.directory = Path(tempfile.mkdtemp(prefix="parvis-files-"))
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        stem, suffix = os.path.splitext(Path(file.name).name or "parvis-file")
        path, n = self.directory / f"{stem}{suffix}", 1
        while path.exists():
            n += 1
            path = self.directory / f"{stem}-{n}{suffix}"
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as out:
            out.write(file.data)
        return path


def is_message(reply: Reply) -> bool:
    """Whether a reply to a click is a message of its own (buttons under its sections: a prompt
    reopened, a list), rather than a follow-up to the message clicked ("answer saved", a form)."""
    return any(section.buttons for section in reply.sections)


class Screen:
    """The terminal: prints replies and remembers what the reader may answer with a number (the
    buttons of the last message addressed to them, and of the follow-ups their clicks got) or by
    filling in a form.

    A message's numbers stay usable until another message replaces it: after ``4`` answered the first
    question of a prompt, ``7`` still answers its second, as the buttons of a Slack or Teams message
    stay under it. Using a number again runs its action again, and the action says what happened
    (an answer edited, a question already answered).

    ``t`` gives the words of the console itself (banners, form prompts) as plain text, in the
    reader's language: the language of the last reply addressed to them."""

    def __init__(self, out: TextIO, locale: str = DEFAULT_LOCALE, files: SavedFiles | None = None) -> None:
        self.out = out
        self.files = files or SavedFiles()
        self._t = Translator(locale, plain=True)
        self.choices: tuple[Button, ...] = ()
        #: the numbered buttons of the last message (``choices`` adds those of its follow-ups)
        self.message_choices: tuple[Button, ...] = ()
        self.form: Form | None = None

    @property
    def t(self) -> Translator:
        return self._t

    @t.setter
    def t(self, words: Translator) -> None:
        """Speak ``words``' language from now on (always as plain text: this is a terminal)."""
        self._t = Translator(words.locale, plain=True)

    def write(self, text: str) -> None:
        self.out.write(printable(text) + "\n")
        self.out.flush()

    def _save(self, words: Translator, file: Attachment, saved: str, failed: str) -> None:
        try:
            self.write(words(saved, path=str(self.files.save(file))) + "\n")
        except OSError as exc:
            self.write(words(failed, reason=exc.strerror or str(exc)) + "\n")

    def show(self, reply: Reply, heading: str | None = None, *, for_reader: bool = True,
             follow_up: bool = False) -> None:
        """Print ``reply`` (under a ``heading`` banner when it was sent, not answered); a reply for
        the reader replaces the numbered choices, unless it follows up a click on them (``follow_up``,
        not a message of its own): then its buttons are numbered after the message's; it may open a
        form; a silent reply shows nothing."""
        if reply.silent:
            return
        kept = self.message_choices if for_reader and follow_up and not is_message(reply) else ()
        rendered = render(reply, numbered=for_reader, first=len(kept) + 1)
        self.write((banner(heading) + "\n" if heading else "") + rendered.text + "\n")
        words = Translator(reply.locale or self.t.locale, plain=True)
        if reply.image is not None:
            self._save(words, reply.image.as_file(), "console.chart_saved", "console.chart_not_saved")
        if reply.attachment is not None:
            self._save(words, reply.attachment, "console.file_saved", "console.file_not_saved")
        if for_reader:
            if reply.locale:
                self.t = Translator(reply.locale)
            self.choices = kept + rendered.choices
            if not kept:
                self.message_choices = rendered.choices
            self.form = reply.form
