"""The neutral markup of the catalogs (``core.markup``): what it reads, how it reads as plain text, and
that the values ``t()`` puts into a message are text, never markup."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from core.i18n import Translator, t
from core.markup import Markup, Span, escape, parse, plain
from core.messages import Reply


def test_bold_italics_code_and_links_become_spans() -> None:
    spans = parse("Hi **Ana**, _see_ `group join x` and [the plan](https://example.com/p?a=1&b=2).")
    assert spans == (Span("Hi "), Span("Ana", bold=True), Span(", "), Span("see", italic=True), Span(" "),
                     Span("group join x", code=True), Span(" and "),
                     Span("the plan", url="https://example.com/p?a=1&b=2"), Span("."))


def test_styles_nest_and_a_link_can_be_bold() -> None:
    assert parse("**bold _both_ [link](http://x.example)**") == (
        Span("bold ", bold=True), Span("both", bold=True, italic=True), Span(" ", bold=True),
        Span("link", bold=True, url="http://x.example"))


def test_ordinary_text_is_not_taken_for_markup() -> None:
    for text in ("snake_case_name and __init__", "2*3*4 and a cron line 30 9 * * 1", "** not bold **",
                 "group create <name> [-- <description>]", "[label](javascript:alert(1))", "a lone ` tick",
                 "_unclosed and **unclosed"):
        assert parse(text) == (Span(text),), text
        assert plain(text) == text


def test_plain_text_drops_markers_and_shows_where_links_go() -> None:
    assert plain("**1.** Read [the plan](https://example.com/plan) or _ask_ `Ana`") == \
        "1. Read the plan (https://example.com/plan) or ask Ana"
    assert plain("[https://example.com](https://example.com) [ana@example.com](mailto:ana@example.com)") == \
        "https://example.com ana@example.com"


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=200))
def test_escaped_text_reads_as_itself(text: str) -> None:
    assert plain(escape(text)) == text
    assert parse(escape(text)) == ((Span(text),) if text else ())


def test_values_in_a_message_are_text_and_messages_in_a_message_stay_markup() -> None:
    name = "**Ops** [win](https://evil.example) `x` _y_ \\"
    joined = t("en", "group.joined", name=name, slug="ops")
    assert joined.startswith("Welcome to **") and isinstance(joined, Markup)
    bold = [span for span in parse(joined) if span.bold]
    assert [span.text for span in bold] == [name]               # the whole name, as typed, in bold
    assert not [span for span in parse(joined) if span.url]      # no link smuggled in
    status = t("en", "question.status_open")
    line = t("en", "question.list_line", id=1, status=status, text="_why_ not?")
    assert status in line and "\\_why\\_" in line                # a message goes in as it is, text escaped


def test_a_plain_translator_gives_text_for_terminals_and_files() -> None:
    words = Translator("en", plain=True)
    assert words("group.joined", name="R&D_team", slug="rd") == \
        "Welcome to R&D_team! See who is there with group members rd."
    assert Translator("fr")("group.joined", name="R&D", slug="rd").startswith("Bienvenue dans **R&D**")


def test_a_reply_keeps_the_language_its_author_gave_it() -> None:
    assert Reply(text="x").localised("fr").locale == "fr"
    assert Reply(text="x", locale="en").localised("fr").locale == "en"
