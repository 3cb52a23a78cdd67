"""What the member types → ``Invocation`` or ``Action``.

A line is a command, except a bare number while the last reply offered numbered choices: that is a
click on the button with that number. A form is asked one input at a time (``FormSession``), and the
answers become the ``values`` of the submission ``Action``, as a Slack modal or Teams card would. A
multi-line input takes lines until an empty one; an empty first line keeps the prefilled value.
"""

from __future__ import annotations

from core.commands import Action, Actor, Invocation
from core.i18n import Translator
from core.markup import plain
from core.messages import Button, Form, FormInput
from core.ports import ConversationRef

PLATFORM = "console"
TENANT = "local"
SCALE = tuple(str(n) for n in range(1, 6))


def console_actor(email: str) -> Actor:
    """The console identifies a person by e-mail; the locale comes from their member record."""
    address = email.strip().lower()
    return Actor(platform=PLATFORM, tenant=TENANT, user_id=address, email=address)


def channel_ref(name: str | None) -> ConversationRef | None:
    """``--channel data-science`` makes the chat behave like a channel of that name."""
    return ConversationRef(PLATFORM, TENANT, name.lstrip("#")) if name else None


def chosen(line: str, choices: tuple[Button, ...]) -> Button | None:
    """The button a bare number names, if it is one of ``choices``."""
    text = line.strip()
    if not text.isdigit() or not choices:
        return None
    index = int(text) - 1
    return choices[index] if 0 <= index < len(choices) else None


def click(actor: Actor, button: Button, channel: ConversationRef | None = None) -> Action:
    return Action(actor=actor, action_id=button.action_id, value=button.value, channel=channel)


def command(actor: Actor, line: str, channel: ConversationRef | None = None) -> Invocation:
    return Invocation(actor=actor, text=line, channel=channel)


class FormSession:
    """Asks a form's inputs one after the other; ``answer`` returns a message to show when the
    answer cannot be taken (the same input is asked again), else ``None``.

    A form that came back with problems (inputs with an ``error``) asks only those inputs again: the
    others keep what was answered before, so one typo never means typing the whole form again."""

    def __init__(self, form: Form, t: Translator) -> None:
        self.form = form
        self.t = t
        wrong = [n for n, item in enumerate(form.inputs) if item.error]
        self._asked = wrong or list(range(len(form.inputs)))
        kept = [item for item in form.inputs if wrong and not item.error]
        self.values: dict[str, str] = {item.name: item.initial for item in kept}
        self.cancelled = False
        self._index = 0
        self._lines: list[str] = []

    @property
    def current(self) -> FormInput | None:
        return self.form.inputs[self._asked[self._index]] if self._index < len(self._asked) else None

    @property
    def collecting(self) -> bool:
        """Whether a multi-line answer has started (the next line continues it)."""
        return bool(self._lines)

    @property
    def done(self) -> bool:
        return self.cancelled or self.current is None

    def prompt(self) -> str:
        """The question for the current input, its options numbered."""
        field = self.current
        assert field is not None
        lines = [f"! {plain(field.error)}"] if field.error else []
        lines.append(plain(field.label) + ("" if field.required else " " + self.t("console.optional")))
        if field.placeholder:
            lines.append(f"({plain(field.placeholder)})")
        lines += [f"  {n}) {plain(option.label)}" for n, option in enumerate(field.options, start=1)]
        if field.kind == "scale" and not field.options:
            lines.append("  " + " · ".join(SCALE))
        if field.initial:
            lines.append(self.t("console.default_answer", value=field.initial))
        if field.kind == "multiline":
            lines.append(self.t("console.multiline_hint"))
        return "\n".join(lines)

    def answer(self, line: str) -> str | None:
        field = self.current
        assert field is not None
        text = line.strip()
        if not self._lines and text.lower() in self.t("console.cancel_words").split(","):
            self.cancelled = True
            return None
        if field.kind == "multiline" and text:
            self._lines.append(line.rstrip())
            return None
        if self._lines:
            text, self._lines = "\n".join(self._lines).strip(), []
        value, problem = self._value(field, text)
        if problem is not None:
            return problem
        self.values[field.name] = value
        self._index += 1
        return None

    def back(self) -> None:
        """Ask the input just answered again (its answer was checked and refused)."""
        if self._index > 0:
            self._index -= 1
            field = self.current
            if field is not None:
                self.values.pop(field.name, None)

    def check(self, actor: Actor, channel: ConversationRef | None = None) -> Action | None:
        """The action checking the answer just given, when the form has one: the input's name as its
        value, every answer so far (the others as prefilled) as its values."""
        if not self.form.check_action or self._index == 0:
            return None
        name = self.form.inputs[self._asked[self._index - 1]].name
        values = {item.name: item.initial for item in self.form.inputs} | self.values
        return Action(actor=actor, action_id=self.form.check_action, value=name, values=values,
                      channel=channel)

    def _value(self, field: FormInput, text: str) -> tuple[str, str | None]:
        if not text:
            if field.initial or not field.required:
                return field.initial, None
            return "", self.t("console.answer_required")
        if field.max_length is not None and len(text) > field.max_length:
            return "", self.t("console.answer_too_long", limit=field.max_length)
        if field.options:
            for n, option in enumerate(field.options, start=1):
                if text in (str(n), option.value) or text.casefold() == plain(option.label).casefold():
                    return option.value, None
            return "", self.t("console.answer_choice", last=len(field.options))
        if field.kind == "scale" and text not in SCALE:
            return "", self.t("console.answer_choice", last=len(SCALE))
        return text, None

    def action(self, actor: Actor, channel: ConversationRef | None = None) -> Action:
        """The submission, once every input has an answer."""
        return Action(actor=actor, action_id=self.form.action_id, value=self.form.value,
                      values=dict(self.values), channel=channel)
