"""A campaign in every language it was given: its template's, or its author's.

A campaign row keeps its first language in ``title``/``description`` and ``CampaignPrompt.text`` /
``options`` (what reports, summaries and older code read), names that language in ``language``, and
keeps the others in ``texts`` (``{"fr": {"title": …, "description": …}}`` on the campaign,
``{"fr": {"text": …, "options": […]}}`` on each prompt). Each member then gets the prompt, its choices
and its reminders in their own language, or the first one when the campaign has no text in theirs.

Why a prompt's other languages come from the template only when the animator kept its text: a
question the animator rewrote is theirs, and the template's French would then say something else.
Choice answers are stored by position (``campaign.answer`` sends the option's index), so a French and
an English member who pick the same option count as the same answer.
"""

from __future__ import annotations

from dataclasses import replace

from core.campaigns.lifecycle import NewCampaign, NewPrompt
from core.campaigns.models import Campaign, CampaignPrompt
from core.campaigns.templates import Template, TemplatePrompt
from core.i18n import LOCALES, normalise_locale


def _in(texts: dict[str, dict[str, object]], locale: str) -> dict[str, object]:
    found = texts.get(normalise_locale(locale)) if texts else None
    return found if isinstance(found, dict) else {}


def title_in(campaign: Campaign, locale: str) -> str:
    """The campaign's title in ``locale``, else in its first language."""
    return str(_in(campaign.texts, locale).get("title") or campaign.title)


def description_in(campaign: Campaign, locale: str) -> str:
    return str(_in(campaign.texts, locale).get("description") or campaign.description)


def prompt_in(prompt: CampaignPrompt, locale: str) -> CampaignPrompt:
    """The prompt as ``locale`` reads it (a copy, never added to the session), else as written."""
    found = _in(prompt.texts, locale)
    text = found.get("text")
    if not isinstance(text, str) or not text:
        return prompt
    options = found.get("options")
    same_count = isinstance(options, list) and len(options) == len(prompt.options)
    chosen = [str(o) for o in options] if same_count and isinstance(options, list) else list(prompt.options)
    return CampaignPrompt(id=prompt.id, campaign_id=prompt.campaign_id, position=prompt.position,
                          kind=prompt.kind, text=text, options=chosen, texts=prompt.texts)


def prompts_in(prompts: list[CampaignPrompt], locale: str) -> list[CampaignPrompt]:
    return [prompt_in(prompt, locale) for prompt in prompts]


def _same(prompt: NewPrompt, model: TemplatePrompt, locale: str) -> bool:
    return (prompt.kind == model.kind and prompt.text == model.text_in(locale)
            and tuple(prompt.options) == tuple(model.options_in(locale)))


def _prompt_texts(prompt: NewPrompt, template: Template, locale: str) -> dict[str, dict[str, object]]:
    """The template's other languages of a prompt the animator left as the template wrote it."""
    for model in template.prompts:
        if _same(prompt, model, locale):
            return {other: {"text": model.text_in(other), "options": list(model.options_in(other))}
                    for other in LOCALES if other != locale}
    return {}


def _others(new: NewCampaign, language: str) -> NewCampaign:
    """``new`` in ``language``, its texts in that same language (typed by mistake) left out."""
    return replace(new, language=language, texts={k: v for k, v in new.texts.items() if k != language},
                   prompts=tuple(replace(p, texts={k: v for k, v in p.texts.items() if k != language})
                                 for p in new.prompts))


def from_template(new: NewCampaign, template: Template | None, locale: str) -> NewCampaign:
    """``new`` (written in ``locale``) with every other language its template gives for what the
    animator kept unchanged."""
    language = normalise_locale(locale)
    new = _others(new, language)
    if template is None:
        return new
    texts: dict[str, dict[str, object]] = {other: dict(entry) for other, entry in new.texts.items()}
    for other in LOCALES:
        if other == language:
            continue
        entry = texts.setdefault(other, {})
        if new.title == template.title_in(language):
            entry.setdefault("title", template.title_in(other))
        if new.description == template.description_in(language):
            entry.setdefault("description", template.description_in(other))
        if not entry:
            del texts[other]
    prompts = tuple(replace(prompt, texts={**_prompt_texts(prompt, template, language), **prompt.texts})
                    for prompt in new.prompts)
    return replace(new, language=language, texts=texts, prompts=prompts)


def kept_from(new: NewCampaign, campaign: Campaign, prompts: list[CampaignPrompt]) -> NewCampaign:
    """On ``campaign edit``: the languages typed in the form, and the other languages of what the
    animator did not change (a description's, a question left as it was)."""
    new = _others(new, campaign.language)
    texts: dict[str, dict[str, object]] = {other: dict(entry) for other, entry in new.texts.items()}
    if new.description == campaign.description:
        for other, entry in (campaign.texts or {}).items():
            if entry.get("description"):
                texts.setdefault(other, {})["description"] = entry["description"]
    before = {(p.kind, p.text, tuple(p.options)): p.texts for p in prompts}
    kept_prompts = tuple(replace(p, texts={**before.get((p.kind, p.text, tuple(p.options)), {}), **p.texts})
                         for p in new.prompts)
    return replace(new, texts=texts, prompts=kept_prompts)
