"""What the governance gate and the ``charter`` command say: the charter with its *Accept* button, the
reminder, the pilot's notice.

The charter's text is Parvis's own words (its files are written in the catalogs' neutral markup, by
whoever runs Parvis), so it enters the reply as markup; what a member typed never does.
"""

from __future__ import annotations

from core.governance.charter import Charter
from core.i18n import Translator
from core.messages import Button, Reply

ACCEPT = "charter.accept"


def accept_button(t: Translator, charter: Charter) -> Button:
    """The *Accept* button: its value is the version shown, so a click on an old charter is noticed."""
    return Button(label=t("charter.accept_button"), action_id=ACCEPT, value=charter.version, style="primary")


def charter_reply(t: Translator, charter: Charter, *, acceptable: bool, note: str | None = None) -> Reply:
    """The charter in the member's language; with the *Accept* button when ``acceptable``, and
    ``note`` (why it is shown, what to do) under it."""
    text = charter.text(t.locale)
    footer = note or (t("charter.how_to_accept") if acceptable else None)
    return Reply(text=text.body, title=t("charter.title", title=text.title, version=charter.version),
                 buttons=(accept_button(t, charter),) if acceptable else (), context=footer)


def reminder(t: Translator, charter: Charter) -> Reply:
    """A refused command after the charter was shown once: a short line, and the button again."""
    return Reply(text=t("charter.reminder"), buttons=(accept_button(t, charter),))
