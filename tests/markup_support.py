"""A message shaped like a campaign prompt, with bold text and a link in Parvis's own neutral markup, for
the outbound tests of each platform (Slack, Teams, console): they must all show the same thing, each in
its own way. (What an animator writes is text, never markup: ``tests/test_member_text.py``.)"""

from __future__ import annotations

from core.i18n import Translator
from core.messages import Button, Reply, Section

PLAN = "https://example.com/plan?floor=2&wing=b"
PROMPT = f"**1.** What do you think of the **new office**? See [the plan]({PLAN}) first."


def campaign_prompt(locale: str = "en") -> Reply:
    """Round 1 of "Office <survey>": an intro, then a prompt whose markup a catalog could have written."""
    t = Translator(locale)
    intro = t("campaign.prompt_intro", title="Office <survey>")
    prompt = Section(text=PROMPT, buttons=(Button(t("campaign.button_write"), "campaign.write", "7:3",
                                                  style="primary"),))
    return Reply(text=f"{intro}\n\n{PROMPT}", title="Office <survey>", sections=(Section(text=intro), prompt),
                 locale=t.locale)
