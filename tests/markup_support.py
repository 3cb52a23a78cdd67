"""A campaign prompt with bold text and a link, as the outbox sends it, for the outbound tests of each
platform (Slack, Teams, console): they must all show the same thing, each in its own way."""

from __future__ import annotations

from core.campaigns.messages import prompt_reply
from core.i18n import Translator
from core.messages import Reply
from core.schema import Campaign, CampaignPrompt, Round

PLAN = "https://example.com/plan?floor=2&wing=b"
PROMPT = f"What do you think of the **new office**? See [the plan]({PLAN}) first."


def campaign_prompt(locale: str = "en", kind: str = "text") -> Reply:
    """Round 1 of "Office <survey>": one prompt written by the animator in the neutral markup."""
    t = Translator(locale)
    campaign = Campaign(id=1, title="Office <survey>", anonymous=False)
    round_ = Round(id=7, campaign_id=1, index=1)
    prompt = CampaignPrompt(id=3, campaign_id=1, position=1, kind=kind, text=PROMPT,
                            options=["Love it", "Meh"] if kind == "choice" else [])
    intro = t("campaign.prompt_intro", title=campaign.title)
    return prompt_reply(t, campaign, round_, [prompt], "Europe/Paris", intro)
