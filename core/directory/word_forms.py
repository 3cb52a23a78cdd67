"""The written forms of a skill: words, initialisms, fused words, clipped words (pure functions).

Why apart from the vocabulary: these rules say what counts as "the same words" — accents, case,
hyphens and underscores never matter (``cyber-sécurité`` is ``cyber securite``); ``data warehouse``
is also ``datawarehouse``; ``natural language processing`` is also ``nlp`` and ``security information
and event management`` is ``siem`` (short and filler words skipped, in English and French: ``qualité de
vie au travail`` is ``qvt``; or kept: ``software as a service`` is ``saas``; ``to`` may be ``2``:
``business to business`` is ``b2b``); ``mgmt`` and ``infra`` are clipped forms of ``management`` and
``infrastructure``; ``site reliability`` is a clipped form of ``site reliability engineering``.
``core.directory.vocabulary`` indexes every skill string under these forms once;
``core.directory.matching`` looks a query's words up in them.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Sequence

from core.text import fold

_WORD = re.compile(r"[\w+#/.&]+")
_NOT_ALNUM = re.compile(r"[^0-9a-z+#]")
_VOWELS = frozenset("aeiouy")
STOPWORDS = frozenset("""
a an and or the of on in to for with without from by at as is are be how what who which where when
do does i we you my our your can could should would it this that there some any about into using use
le la les un une des de du d l et ou en au aux pour avec sans sur dans par qui que quoi comment est
sont je nous vous mon ma mes notre votre ce cet cette il elle on y a se sa son ses leur
""".split())
# Extra words ignored when matching a whole question, not a search topic: common verbs and nouns.
QUESTION_WORDS = frozenset("""
need help anyone someone know knows knew please thanks hello hi question questions problem issue
get got make set up want like best way work working why tell explain advice
besoin aide quelqu'un quelqu sait savoir merci bonjour salut problème probleme faire mettre veux
voudrais comment pourquoi meilleure facon façon conseil expliquer
""".split()) | STOPWORDS
MIN_CLIPPED = 3  # "dev", "ops", "sys": shorter words are too ambiguous to complete
MAX_COMPLETIONS = 40


def natural(text: str) -> str:
    """Folded, hyphens and underscores as spaces, white space collapsed; words in typed order."""
    return " ".join(fold(text).replace("-", " ").replace("_", " ").split())


def key(text: str) -> str:
    """``natural`` with words sorted: ``ratio`` on keys is ``token_sort_ratio``, computed once for
    the vocabulary instead of once per comparison."""
    return " ".join(sorted(natural(text).split()))


def joined(words: Sequence[str]) -> str:
    """The words written as one, punctuation dropped: ``e-discovery``, ``e discovery`` and
    ``ediscovery`` agree, as do ``a/b testing`` and ``ab testing``."""
    return _NOT_ALNUM.sub("", "".join(words))


def initialisms(words: Sequence[str]) -> set[str]:
    """The initialisms of a phrase of two words or more: first letters of its words that are not
    filler (``siem``), of all of them (``saas``, ``iot``), and with ``to`` as ``2`` (``b2b``)."""
    words = [w for w in words if w and w[0].isalnum()]
    if len(words) < 2:
        return set()
    found = {"".join(w[0] for w in words),
             "".join("2" if w == "to" else w[0] for w in words)}
    significant = [w for w in words if w not in STOPWORDS and len(w) > 1]
    if len(significant) >= 2:
        found.add("".join(w[0] for w in significant))
    return {f for f in found if len(f) >= 2}


def leading_runs(words: Sequence[str]) -> set[str]:
    """The leading words of a longer phrase, two or more, as keys: ``site reliability`` of ``site
    reliability engineering``. Not its last words: in English they are the generic head ("management
    system" is not ``quality management system``); not a run ending with a filler word ("protection
    des" says nothing of ``protection des données``)."""
    return {key(" ".join(words[:end])) for end in range(2, len(words)) if words[end - 1] not in STOPWORDS}


def acronym_form(word: str) -> str:
    """A typed acronym without its punctuation: ``M&A`` → ``ma``, ``Q.A.`` → ``qa``, ``FP&A`` → ``fpa``."""
    return _NOT_ALNUM.sub("", word)


def _skeleton_of(word: str, abbreviation: str) -> bool:
    """``mgmt`` in ``management``: same first letter, then the abbreviation's letters in order."""
    if word[0] != abbreviation[0]:
        return False
    rest = iter(word[1:])
    return all(letter in rest for letter in abbreviation[1:])


def completions(words: Sequence[str], word: str) -> list[str]:
    """The vocabulary words (``words``, sorted) that ``word`` may be a clipped form of.

    A prefix of at least three letters (``infra`` → ``infrastructure``), or, for a word of consonants
    after its first letter, its consonant skeleton (``mgmt`` → ``management``, ``mktg`` →
    ``marketing``). A word with more than ``MAX_COMPLETIONS`` completions says too little to guess.
    """
    if len(word) < MIN_CLIPPED or not word.isalpha() or word in STOPWORDS:
        return []
    found: list[str] = []
    for index in range(bisect_left(words, word), len(words)):
        candidate = words[index]
        if not candidate.startswith(word):
            break
        if candidate != word:
            found.append(candidate)
    if len(word) >= 4 and _VOWELS.isdisjoint(word[1:]):
        start, end = bisect_left(words, word[0]), bisect_left(words, chr(ord(word[0]) + 1))
        found += [w for w in words[start:end] if len(w) > len(word) and _skeleton_of(w, word)
                  and not w.startswith(word)]
    return found if len(found) <= MAX_COMPLETIONS else []


def _tokens(text: str) -> list[tuple[str, str]]:
    """(as typed, folded) for each word of a text."""
    found = []
    for raw in _WORD.findall(text.replace("'", " ").replace("’", " ").replace("_", " ")):
        raw = raw.strip(".-/")
        if word := fold(raw):
            found.append((raw, word))
    return found


def words_of(text: str, question: bool = False) -> list[str]:
    """The words of a topic, folded; in a question, filler and short lower-case words are dropped
    (left as empty strings, so positions still count)."""
    return ["" if question and (word in QUESTION_WORDS or (len(word) <= 2 and not raw.isupper())) else word
            for raw, word in _tokens(text)]


def typed_acronyms(text: str) -> frozenset[int]:
    """The positions (as in ``words_of``) of the words typed as acronyms: ``RTOS``, ``M&A``, ``IaC``
    (two capitals or more, no lower-case letter but one inside)."""
    return frozenset(i for i, (raw, _) in enumerate(_tokens(text))
                     if sum(ch.isupper() for ch in raw) >= 2 and sum(ch.islower() for ch in raw) <= 1)
