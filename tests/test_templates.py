"""Campaign templates: the shipped ones are complete in both languages; broken ones are named."""

from __future__ import annotations

from datetime import datetime

import pytest

from core.campaigns.schedules import Schedule, first, normalise
from core.campaigns.templates import TemplateError, find, parse, templates
from core.errors import NotFound

REQUIRED = {"weekly-learning", "onboarding-week", "project-retrospective", "ice-breakers", "quarterly-pulse"}


def test_the_five_templates_of_the_issue_are_shipped() -> None:
    assert REQUIRED <= set(templates())


@pytest.mark.parametrize("key", sorted(REQUIRED))
def test_each_template_is_complete_and_its_schedule_fires(key: str) -> None:
    template = templates()[key]
    for locale in ("en", "fr"):
        assert template.title_in(locale) and template.description_in(locale)
        for prompt in template.prompts:
            assert prompt.text_in(locale)
            if prompt.kind == "choice":
                assert len(prompt.options_in(locale)) >= 2
    assert template.title_in("en") != template.title_in("fr")
    assert {"reminders", "reminder_after_hours", "close_after_hours"} <= set(template.schedule)
    schedule = template.schedule                    # the form refuses a last reminder at or after the close
    assert schedule["reminders"] * schedule["reminder_after_hours"] < schedule["close_after_hours"]
    recurrence = normalise(template.schedule["recurrence"])
    assert first(Schedule(datetime(2026, 3, 2, 9, 30), recurrence, skip_weekends=True)) is not None


def test_the_kinds_the_issue_asks_for_are_all_used() -> None:
    kinds = {prompt.kind for template in templates().values() for prompt in template.prompts}
    assert kinds == {"text", "choice", "scale"}


def test_templates_are_found_by_key_or_title_in_either_language() -> None:
    assert find("weekly-learning").key == "weekly-learning"
    assert find("Quarterly Pulse").key == "quarterly-pulse"
    assert find("retour d'expérience projet").key == "project-retrospective"
    with pytest.raises(NotFound) as caught:
        find("karaoke night")
    assert "weekly-learning" in caught.value.params["choices"]


@pytest.mark.parametrize(("source", "expected"), [
    ('title = { en = "A" }\n[[prompts]]\ntext = { en = "x", fr = "y" }', "title"),
    ('title = { en = "A", fr = "B" }\ndescription = { en = "d", fr = "d" }', "at least one prompt"),
    ('title = { en = "A", fr = "B" }\ndescription = { en = "d", fr = "d" }\n'
     '[[prompts]]\nkind = "poll"\ntext = { en = "x", fr = "y" }', "kind"),
    ('title = { en = "A", fr = "B" }\ndescription = { en = "d", fr = "d" }\n'
     '[[prompts]]\nkind = "choice"\ntext = { en = "x", fr = "y" }\noptions = { en = ["a", "b"], fr = ["a"] }',
     "options"),
    ("title = ", "broken"),
])
def test_broken_templates_are_reported_by_name(source: str, expected: str) -> None:
    with pytest.raises(TemplateError) as caught:
        parse("broken", source)
    assert expected in str(caught.value) and "broken" in str(caught.value)
