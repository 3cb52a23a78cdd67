"""Property tests: no text a member can type makes the parser or the router raise."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.capabilities import build_registry
from core.commands import Invocation
from core.commands.grammar import match
from core.errors import ParvisError
from core.i18n import LOCALES, t
from tests.conftest import actor

REGISTRY = build_registry()
COMMANDS = REGISTRY.commands
WORDS = sorted({word for path in COMMANDS for word in path}) + ["--", '"', "«", "'", "<@U1|a>", "x@y.fr"]
command_like = st.lists(st.one_of(st.sampled_from(WORDS), st.text(max_size=12)), max_size=8).map(" ".join)
INTERNAL = {t(locale, "errors.internal") for locale in LOCALES}
any_text = st.one_of(st.text(max_size=300), command_like)


@given(any_text)
@settings(max_examples=400, deadline=None)
def test_match_only_raises_domain_errors(text: str) -> None:
    try:
        found, args = match(REGISTRY, text)
    except ParvisError:
        return
    assert found.path in COMMANDS
    assert len(args.tokens) >= found.min_args


@given(st.lists(any_text, min_size=1, max_size=6))
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
async def test_router_always_answers(router, texts: list[str]) -> None:  # type: ignore[no-untyped-def]
    for text in texts:
        reply = await router.handle(Invocation(actor=actor("prop@example.com"), text=text))
        assert reply.text
        assert reply.text not in INTERNAL, f"{text!r} crashed a handler"
