"""Matching free text against the skill vocabulary: which skills a topic or a question names.

A text is cut into phrase windows. Exact names, synonyms and their fused forms (``datawarehouse``,
``micro services``) are dictionary lookups over windows of up to eight words; the other windows of up
to four words are one rapidfuzz pass each (``ratio``, no processor: the strings are folded once, when
the vocabulary is built) over the strings whose length can reach the cutoff. Weaker evidence comes
last, also by dictionary: a word that is the initialism of a skill (``RTOS``), words spelling out a
skill that is an acronym (``virtual private network`` for ``VPN``), clipped words completed
(``infra as code``, ``supplier mgmt``), the leading words of a longer skill (``site reliability``).
Precision first: this weak evidence counts only when every
other word of the text is a word the vocabulary knows, so ``opera singing`` finds nobody, not
operations; an acronym typed in capitals is the exception, strong evidence anywhere.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Sequence
from itertools import islice, product
from typing import Any, TypeVar, cast

from rapidfuzz import fuzz, process

from core.directory.everyday_words import is_everyday_word
from core.directory.vocabulary import Ids, Vocabulary
from core.directory.word_forms import (
    QUESTION_WORDS,
    STOPWORDS,
    acronym_form,
    completions,
    initialisms,
    joined,
    key,
    natural,
    typed_acronyms,
    words_of,
)

MAX_WINDOW = 4  # fuzzy matching
MAX_ACRONYM = 6
MAX_EXACT_WINDOW = 8  # dictionary lookups: "gestion prévisionnelle des emplois et des compétences"
WEAK = 90  # a phrase matched below this score sorted is also compared in typed order, for a strong match
FUSED_SCORE, CLIPPED_SCORE, ACRONYM_SCORE = 98.0, 92.0, 92.0
# The first two words of a longer skill (``site reliability``) outrank one word matched exactly: 96 + 5 > 100.
LEADING_SCORE = 96.0
MAX_VARIANTS = 32  # clipped-word completions tried per window
UNRELATED = 65
MIN_ALONE = 5  # a clipped word alone: "cyber", "infra"; "data" is not "database"
STEM = 4  # an everyday word matches a skill word beginning with the same letters: "modeling", "modelling"
Candidate = tuple[float, int, int, Ids, bool]  # score with the phrase bonus, start, end, skills, weak
#: entries kept per vocabulary (``_remembered``): a few MB at most
MEMO_SIZE = 20_000
Found = TypeVar("Found")


def _cutoff(window: str, question: bool) -> float:
    """Short words must match exactly ("go" is not "git"); long ones tolerate a typo or two."""
    if len(window) <= 3:
        return 100
    return 86 if question else 80


def _windows(words: list[str], question: bool, filler: frozenset[int], largest: int,
             ) -> list[tuple[int, int, str, bool]]:
    """(start, end, phrase, fuzzy) for each run of up to ``largest`` words worth looking up.

    A run that starts or ends with a filler word is only looked up exactly, and only when it has
    several words, not all filler (the alias ``on-call``); the others are matched fuzzily too. In a
    question, the words ``filler`` indexes (short and question words) never start or end a run but may
    sit inside one ("droit du travail", "gestion de projet").
    """
    stop = QUESTION_WORDS if question else STOPWORDS
    found = []
    for size in range(1, largest + 1):
        for start in range(len(words) - size + 1):
            part = words[start:start + size]
            if "" in part or start in filler or start + size - 1 in filler:
                continue
            fuzzy = size <= MAX_WINDOW and part[0] not in stop and part[-1] not in stop
            if fuzzy or (size > 1 and not all(word in stop for word in part)):
                found.append((start, start + size, " ".join(part), fuzzy))
    return found


def _remembered(vocab: Vocabulary, key: tuple[Any, ...], compute: Callable[[], Found]) -> Found:
    """``compute()`` once per vocabulary and ``key``: kept in ``vocab.memo`` (emptied past
    ``MEMO_SIZE`` entries), so a topic searched again, or a phrase that recurs in questions, costs a
    dictionary lookup instead of rapidfuzz over a few thousand strings."""
    found = vocab.memo.get(key)
    if found is None:
        found = compute()  # which may keep what it computed on the way
        if len(vocab.memo) >= MEMO_SIZE:
            vocab.memo.clear()
        vocab.memo[key] = found
    return cast(Found, found)


def _close(vocab: Vocabulary, text: str, cutoff: float, limit: int, in_order: bool = False,
           ) -> tuple[tuple[float, int], ...]:
    """``_scan`` once per vocabulary, phrase and cutoff (``_remembered``)."""
    return _remembered(vocab, ("close", text, cutoff, limit, in_order),
                       lambda: tuple(_scan(vocab, text, cutoff, limit, in_order)))


def _scan(vocab: Vocabulary, text: str, cutoff: float, limit: int, in_order: bool = False,
          ) -> list[tuple[float, int]]:
    """(score, index) of the vocabulary strings whose ``ratio`` with ``text`` reaches ``cutoff``
    (the ``natural`` strings when ``in_order``: ``text`` is then in typed order).

    ``ratio`` is at most 200·min(a, b)/(a + b) for lengths a and b, so only lengths between
    len·c/(200−c) and len·(200−c)/c can reach cutoff c: a slice of the length-sorted strings
    (a tenth of them for one word), not all of them.
    """
    size = len(text)
    low = bisect_left(vocab.lengths, size * cutoff / (200 - cutoff) - 1)
    high = bisect_right(vocab.lengths, size * (200 - cutoff) / max(cutoff, 1) + 1)
    strings = vocab.natural if in_order else vocab.choices
    found = process.extract(text, strings[low:high], scorer=fuzz.ratio, processor=None,
                            score_cutoff=cutoff, limit=limit)
    return [(score, low + index) for _, score, index in found]


def _candidate(vocab: Vocabulary, found: Sequence[tuple[float, int]], start: int, end: int) -> Candidate:
    """The best strings found for a window, with the phrase bonus."""
    best = found[0][0]
    ids = tuple({i for score, index in found if score >= best for i in vocab.skills_of[index]})
    return best + 5 * (end - start - 1), start, end, ids, False


def _exact(vocab: Vocabulary, start: int, end: int, phrase: str) -> Candidate | None:
    """A name or synonym (any word order), or one written with its words fused or split."""
    found = vocab.exact.get(key(phrase))
    if found is not None:
        return 100.0 + 5 * (end - start - 1), start, end, vocab.skills_of[found], False
    fused = vocab.fused.get(joined(phrase.split()))
    if fused is not None:
        return FUSED_SCORE + 5 * (end - start - 1), start, end, fused, False
    return None


def _leading(vocab: Vocabulary, start: int, end: int, phrase: str) -> Candidate | None:
    """Two words or more that begin a longer name or synonym (``site reliability``, ``event
    driven``): a clipped phrase, weak evidence, but every word of the window is a word of that one
    skill, so it outranks a skill that matches one of them only."""
    found = vocab.leading.get(key(phrase)) if end - start > 1 else None
    return (LEADING_SCORE + 5 * (end - start - 1), start, end, found, True) if found else None


def _fuzzy(vocab: Vocabulary, windows: list[tuple[int, int, str, bool]], question: bool,
           exact_words: set[int]) -> list[Candidate]:
    """Close strings for the windows with no exact match: sorted words first, then typed order for
    the phrases that matched only weakly or whose words nothing else matched (a typo that moves a
    word boundary or changes a first letter, "coastal rachitecture", reorders the sorted words).

    A word alone that the vocabulary does not hold but English or French does is no typo
    (``core.directory.everyday_words``): it matches only the strings beginning with its first
    letters, its variants ("localization"), not a different word ("sailing" is not "emailing")."""
    candidates: list[Candidate] = []
    retry: list[tuple[int, int, str, float, bool]] = []  # (start, end, phrase, cutoff, weak)
    for start, end, phrase, fuzzy in windows:
        window = key(phrase)
        if not fuzzy or window in vocab.exact or set(range(start, end)) <= exact_words:
            continue
        cutoff = _cutoff(window, question)
        found = _close(vocab, window, cutoff, limit=8)
        if end - start == 1 and window not in vocab.with_word and is_everyday_word(window):
            found = tuple((score, i) for score, i in found if vocab.natural[i][:STEM] == window[:STEM])
        if found:
            candidates.append(_candidate(vocab, found, start, end))
        if end - start > 1 and (not found or found[0][0] < WEAK):
            retry.append((start, end, phrase, WEAK if found else cutoff, bool(found)))
    matched = {word for _, start, end, _, _ in candidates for word in range(start, end)}
    for start, end, phrase, cutoff, weak in retry:
        if weak or matched.isdisjoint(range(start, end)):
            if found := _close(vocab, natural(phrase), cutoff, limit=8, in_order=True):
                candidates.append(_candidate(vocab, found, start, end))
    return candidates


def _clipped(vocab: Vocabulary, start: int, end: int, phrase: str) -> Candidate | None:
    """The window with its clipped words completed (``infra as code``), if that names a skill.

    Alone, a word of five letters or more is completed ("cyber", not "data"); in a phrase, any short
    word may be ("dev mobile")."""
    words = phrase.split()
    options = [[word, *completions(vocab.words, word)]
               if len(word) <= 7 and (len(words) > 1 or len(word) >= MIN_ALONE) else [word]
               for word in words]
    if all(len(choices) == 1 for choices in options):
        return None
    found: set[int] = set()
    for variant in islice(product(*options), 1, MAX_VARIANTS + 1):  # the first is the phrase as typed
        text = " ".join(variant)
        position = vocab.exact.get(key(text))
        found.update(vocab.skills_of[position] if position is not None
                     else vocab.fused.get(joined(variant), ()))
    if not found:
        return None
    return CLIPPED_SCORE + 5 * (end - start - 1), start, end, tuple(sorted(found)), True


def _initialism(vocab: Vocabulary, start: int, word: str, typed: bool) -> Candidate | None:
    """A word that is the initialism of a skill of several words (``rtos``, ``M&A``); strong
    evidence when typed as an acronym (``RTOS``), weak otherwise."""
    if len(word) > MAX_ACRONYM:
        return None
    found = vocab.initials.get(acronym_form(word))
    return (ACRONYM_SCORE, start, start + 1, found, not typed) if found else None


def _spelled_out(vocab: Vocabulary, words: list[str], named: set[int]) -> list[Candidate]:
    """Runs of words whose initialism is a skill written as an acronym (``virtual private network``).

    Three words at least, filler words included (``internet of things``): two words say too little
    ("lorem ipsum" is not "li"); and not a run half of whose words are skills by themselves
    (``named``: "spark airflow pipelines" is two skills, not SAP)."""
    found: list[Candidate] = []
    for start in range(len(words)):
        for end in range(start + 3, min(len(words), start + MAX_EXACT_WINDOW) + 1):
            run = words[start:end]
            if "" in run or run[0] in STOPWORDS or run[-1] in STOPWORDS:
                continue
            meaningful = [i for i in range(start, end) if words[i] not in STOPWORDS]
            if 2 * len(named.intersection(meaningful)) >= len(meaningful):
                continue
            for initialism in initialisms(run):
                if len(initialism) >= 3 and (ids := vocab.acronyms.get(initialism)):
                    found.append((ACRONYM_SCORE + 5 * (end - start - 1), start, end, ids, True))
    return found


def _unexplained(vocab: Vocabulary, words: list[str], taken: set[int], stop: frozenset[str]) -> bool:
    """Whether a meaningful word of the text is neither matched nor a word of the vocabulary."""
    return any(word and word not in stop and i not in taken and word not in vocab.with_word
               for i, word in enumerate(words))


def _outweighed_dropped(candidates: list[Candidate]) -> list[Candidate]:
    """The candidates without the weak ones lying strictly inside a strong one.

    A clipped word or phrase or an initialism is a guess about a few words; a name, a
    synonym or a close match of a longer window reads more of the text: ``user story`` is ``user
    stories`` (both words), not ``storytelling`` (one word completed) with ``user`` left over.
    """
    strong = [(start, end) for _, start, end, _, weak in candidates if not weak and end - start > 1]
    return [candidate for candidate in candidates
            if not candidate[4] or not any(start <= candidate[1] and candidate[2] <= end
                                           and end - start > candidate[2] - candidate[1]
                                           for start, end in strong)]


def match_skills(vocab: Vocabulary, text: str, question: bool = False) -> dict[int, float]:
    """Skill id → match score (0–100) for every skill the text mentions (``_matched``, once per
    vocabulary and text: a copy of what was kept)."""
    return dict(_remembered(vocab, ("match", text, question), lambda: _matched(vocab, text, question)))


def _matched(vocab: Vocabulary, text: str, question: bool) -> dict[int, float]:
    """Skill id → match score (0–100) for every skill the text mentions.

    Windows compete and the best one (longer phrases get a small bonus) claims its words, so
    "machine learning" is one skill, not "machine" and "learning". Weak evidence (clipped words,
    spelled-out acronyms, initialisms not typed in capitals) is dropped when the text holds words
    that neither matched nor belong to the vocabulary.
    """
    words = words_of(text)
    filler = frozenset(i for i, word in enumerate(words_of(text, question=True)) if not word) if question \
        else frozenset()
    windows = _windows(words, question, filler, MAX_EXACT_WINDOW)
    candidates: list[Candidate] = []
    exact_words: set[int] = set()
    named: set[int] = set()  # the words that are a skill by themselves
    for start, end, phrase, _ in windows:
        if found := _exact(vocab, start, end, phrase):
            candidates.append(found)
            exact_words |= set(range(start, end)) if end - start > 1 else set()
            named |= {start} if end - start == 1 else set()
        elif found := _leading(vocab, start, end, phrase):
            candidates.append(found)
    candidates += _fuzzy(vocab, windows, question, exact_words)
    acronyms = typed_acronyms(text)
    for start, end, phrase, fuzzy in windows:
        if (fuzzy or end - start > 1) and (found := _clipped(vocab, start, end, phrase)):
            candidates.append(found)
        if end - start == 1 and fuzzy and (found := _initialism(vocab, start, phrase, start in acronyms)):
            candidates.append(found)
    candidates += _spelled_out(vocab, [w if i not in filler else "" for i, w in enumerate(words)], named)
    taken: set[int] = set()
    chosen: list[tuple[float, Ids, bool]] = []
    for bonus_score, start, end, ids, weak in sorted(_outweighed_dropped(candidates),
                                                     key=lambda c: (-c[0], c[1], c[4])):
        if taken & set(range(start, end)):
            continue
        taken |= set(range(start, end))
        chosen.append((min(100.0, bonus_score - 5 * (end - start - 1)), ids, weak))
    drop_weak = _unexplained(vocab, words, taken, QUESTION_WORDS if question else STOPWORDS)
    scores: dict[int, float] = {}
    for score, ids, weak in chosen:
        if weak and drop_weak:
            continue
        for skill_id in ids:
            scores[skill_id] = max(scores.get(skill_id, 0.0), score)
    return scores


def suggest(vocab: Vocabulary, text: str, limit: int = 5) -> list[str]:
    """Close skill names for a topic that matched nothing (``_suggested``, once per vocabulary and
    topic: the topics nobody knows come back too)."""
    return list(_remembered(vocab, ("suggest", text, limit), lambda: tuple(_suggested(vocab, text, limit))))


def _suggested(vocab: Vocabulary, text: str, limit: int) -> list[str]:
    """Close skill names for a topic that matched nothing.

    ``WRatio`` is slow (several scorers per pair), so it only ranks the names sharing a word, or a
    word close to one, with the topic; a topic whose words are all unknown is compared with every
    name by plain ``ratio``, and below ``UNRELATED`` a name shares little more than its letters with
    it (with a few thousand names, "astrologie védique" is 58 from "distribution logistique").
    """
    words = [w for w in words_of(text) if w]
    if not words:
        return []
    query = " ".join(words)
    pool = sorted({position for word in set(words) - STOPWORDS
                   for close, _, _ in process.extract(word, vocab.words, scorer=fuzz.ratio, processor=None,
                                                      score_cutoff=70, limit=limit)
                   for position in vocab.with_word[close]})
    if pool:
        choices = [vocab.choices[position] for position in pool]
        found = [(pool[k], score) for _, score, k in process.extract(
            query, choices, scorer=fuzz.WRatio, processor=None, limit=limit * 4, score_cutoff=50)]
    else:
        found = [(k, score) for _, score, k in process.extract(
            key(query), vocab.choices, scorer=fuzz.ratio, processor=None, limit=limit * 4,
            score_cutoff=UNRELATED)]
    names = [vocab.names[i] for position, _ in found for i in vocab.skills_of[position]]
    return list(dict.fromkeys(names))[:limit]
