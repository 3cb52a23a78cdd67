"""What the expert search's matching computes is kept with the vocabulary it was computed from
(``core.directory.matching``: a topic's skills, a phrase's close strings, suggestions): the same
answers as computed afresh, for every relevance query, and a new vocabulary starts with nothing kept."""

from __future__ import annotations

import tomllib
from pathlib import Path

from core.directory import matching
from core.directory.matching import match_skills, suggest
from core.directory.skills import vocabulary
from core.directory.vocabulary import Vocabulary, index

DATA = Path(__file__).parent / "data"
QUERIES = [case["q"] for name in ("relevance.toml", "workplace_relevance.toml", "heldout_relevance.toml")
           for case in tomllib.loads((DATA / name).read_text(encoding="utf-8"))["queries"]]
QUESTIONS = ["Who can review my kubernets deployment before Friday?",
             "Comment configurer Pyhton pour notre équipe ?",
             "Is there a recommended way to get started with machine lerning here?"]


def shipped(version: tuple[int, int, int, int] = (1, 1, 0, 0), extra: tuple[str, ...] = ()) -> Vocabulary:
    """The shipped skills and their aliases (and ``extra`` skills), indexed as a database's would be."""
    names = {n: name for n, name in enumerate([*sorted(vocabulary()), *extra], start=1)}
    aliases = vocabulary()
    return index(names, [(text, n) for n, name in names.items() for text in (name, *aliases.get(name, ()))],
                 version)


def test_kept_answers_are_the_computed_ones(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    vocab = shipped()
    with monkeypatch.context() as nothing_kept:
        nothing_kept.setattr(matching, "_remembered", lambda _vocab, _key, compute: compute())
        computed = [(match_skills(vocab, text), suggest(vocab, text)) for text in QUERIES]
        asked = [match_skills(vocab, text, question=True) for text in QUESTIONS]
    assert not vocab.memo
    for text, (skills, names) in zip(QUERIES, computed, strict=True):
        assert match_skills(vocab, text) == skills and suggest(vocab, text) == names, text
        assert match_skills(vocab, text) == skills and suggest(vocab, text) == names, text  # kept
    assert [match_skills(vocab, text, question=True) for text in QUESTIONS] == asked
    assert [match_skills(vocab, text, question=True) for text in QUESTIONS] == asked
    assert ("match", QUERIES[0], False) in vocab.memo


def test_a_caller_changing_its_answer_changes_nothing_kept() -> None:
    vocab = shipped()
    scores = match_skills(vocab, "kubernetes")
    assert scores
    scores.clear()
    names = suggest(vocab, "astrologie védique")
    names.append("nonsense")
    assert match_skills(vocab, "kubernetes") and "nonsense" not in suggest(vocab, "astrologie védique")


def test_a_new_vocabulary_keeps_nothing_of_the_old_one() -> None:
    """A skill added (a new version, built afresh by ``core.directory.vocabulary``) is found at once."""
    before = shipped()
    assert match_skills(before, "quantum gardening") == {}
    after = shipped((2, 2, 0, 0), extra=("quantum gardening",))
    assert not after.memo and list(match_skills(after, "quantum gardening").values()) == [100.0]


def test_what_is_kept_is_bounded(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(matching, "MEMO_SIZE", 10)
    vocab = shipped()
    for text in QUERIES[:40]:
        match_skills(vocab, text)
        assert len(vocab.memo) <= 10
    assert match_skills(vocab, QUERIES[0]) == matching._matched(vocab, QUERIES[0], False)
