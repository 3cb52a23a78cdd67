"""Everyday words of English and French: a word that exists is not a typo of another one.

Why: a fuzzy match cannot tell a typo from a different word by their letters alone. ``kotiln`` and
``hiking`` are both one edit from a skill word (``kotlin``, ``hiring``), and ``sailing`` is as close
to ``emailing`` as ``forcasting`` is to ``forecasting``. A spelling corrector corrects words that
are not words; so does ``core.directory.matching``: a query word found here is read as itself, and
matches a different skill word only when both begin alike (a variant: ``localization`` and
``localisation``, ``modeling`` and ``modelling``), never as a typo (``hiking`` is not ``hiring``).

Source: the English and French word-frequency lists shipped with pyspellchecker (MIT), built from
OpenSubtitles and cleaned of rare forms, so misspellings are not in them. Held as a sorted array of
the folded words' hashes: about 2 MB, not the 25 MB of a set of 280,000 strings, read once per
process (about a second: ``core.directory.vocabulary`` loads it off the event loop).
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from functools import cache

from spellchecker import SpellChecker

from core.text import fold

LANGUAGES = ("en", "fr")
MIN_LENGTH = 4  # shorter words never match fuzzily (``core.directory.matching._cutoff``)


@cache
def _hashes() -> array[int]:
    """The sorted hashes of the folded everyday words (``hash`` is per process, and so is this)."""
    words = SpellChecker(language=LANGUAGES, distance=1).word_frequency.keys()
    return array("q", sorted({hash(folded) for word in words if len(folded := fold(word)) >= MIN_LENGTH}))


def load() -> None:
    """Read the word lists now (they are otherwise read at the first lookup)."""
    _hashes()


def is_everyday_word(word: str) -> bool:
    """Whether ``word`` (folded) is an English or French word, for words of ``MIN_LENGTH`` letters
    or more (a hash collision, 280,000 in 2⁶⁴, is about one lookup in 10¹⁴)."""
    if len(word) < MIN_LENGTH:
        return False
    hashes, wanted = _hashes(), hash(word)
    position = bisect_left(hashes, wanted)
    return position < len(hashes) and hashes[position] == wanted
