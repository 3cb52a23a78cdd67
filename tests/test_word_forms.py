"""The written forms of a skill (initialisms, fused and clipped words, accents and hyphens) and the
matching that uses them, on a small vocabulary built in memory: each family both ways, and the
precision cases, where a text that names nothing must match nothing."""

from __future__ import annotations

from core.directory.everyday_words import is_everyday_word
from core.directory.matching import match_skills
from core.directory.vocabulary import Vocabulary, index
from core.directory.word_forms import acronym_form, completions, initialisms, joined, words_of

SKILLS = ("natural language processing", "real-time operating systems", "mergers and acquisitions",
          "siem", "vpn", "iot", "b2b", "fp&a", "infrastructure as code", "supplier management",
          "data warehouse", "microservices", "e-discovery", "cybersecurity", "operations", "go",
          "database administration", "sécurité applicative", "python", "growth marketing")


def vocab(*extra: tuple[str, str]) -> Vocabulary:
    names = dict(enumerate(SKILLS, start=1))
    ids = {name: skill_id for skill_id, name in names.items()}
    return index(names, [(name, i) for i, name in names.items()] + [(a, ids[s]) for a, s in extra])


def found(v: Vocabulary, text: str, question: bool = False) -> set[str]:
    return {v.names[i] for i in match_skills(v, text, question)}


def test_forms_of_a_phrase() -> None:
    assert initialisms("security information and event management".split()) >= {"siem"}
    assert initialisms("software as a service".split()) >= {"saas"}
    assert initialisms("business to business".split()) >= {"b2b"}
    assert initialisms("qualite de vie au travail".split()) >= {"qvt"}
    assert initialisms(["python"]) == set()
    assert joined(["e", "discovery"]) == joined(["ediscovery"]) == "ediscovery"
    assert acronym_form("m&a") == "ma" and acronym_form("q.a.") == "qa"
    words = sorted({"infrastructure", "information", "management", "marketing", "data", "database"})
    assert completions(words, "infra") == ["infrastructure"]
    assert completions(words, "mgmt") == ["management"] and completions(words, "mktg") == ["marketing"]
    assert completions(words, "in") == [] and completions(words, "the") == []
    assert words_of("Cyber-Sécurité_applicative") == ["cyber", "securite", "applicative"]


def test_acronyms_both_ways() -> None:
    v = vocab()
    assert found(v, "NLP") == found(v, "nlp") == {"natural language processing"}
    assert found(v, "RTOS") == {"real-time operating systems"}
    assert found(v, "M&A") == {"mergers and acquisitions"}
    assert found(v, "security information and event management") == {"siem"}
    assert found(v, "virtual private network") == {"vpn"}
    assert found(v, "internet of things") == {"iot"}
    assert found(v, "business to business") == {"b2b"}
    assert found(v, "financial planning and analysis") == {"fp&a"}


def test_clipped_and_fused_words_and_hyphens() -> None:
    v = vocab()
    assert found(v, "infra as code") == {"infrastructure as code"}
    assert found(v, "supplier mgmt") == {"supplier management"}
    assert found(v, "cyber") == {"cybersecurity"}
    assert found(v, "datawarehouse") == found(v, "data-warehouse") == {"data warehouse"}
    assert found(v, "micro services") == found(v, "micro-services") == {"microservices"}
    assert found(v, "ediscovery") == found(v, "e discovery") == {"e-discovery"}
    assert found(v, "SECURITE-APPLICATIVE") == found(v, "securité applicative") == {"sécurité applicative"}
    assert found(v, "admin de bases de donnees", question=False) == set(), "no such string: nothing"


def test_weak_evidence_needs_the_rest_of_the_text_to_be_known() -> None:
    """Completions and initialisms are guesses: a text with a word nothing explains keeps none."""
    v = vocab()
    assert found(v, "opera") == {"operations"}, "alone, a clipped word is completed"
    assert found(v, "opera singing") == set(), "'singing' is unknown: 'opera' is not a clipped word here"
    assert found(v, "lorem ipsum") == set() and found(v, "quantum chromodynamics") == set()
    assert found(v, "growth operations") == {"operations"}, "two words are not read as the acronym 'go'"
    assert found(v, "data") == set(), "a short word alone is not completed ('database')"
    assert found(v, "how do I deploy my NLP model", question=True) == {"natural language processing"}
    assert found(v, "pizza nlp") == set(), "an initialism next to a word nothing explains is dropped"
    assert found(v, "pizza NLP") == {"natural language processing"}, "unless typed as an acronym"
    assert found(v, "python NLP") == {"python", "natural language processing"}


def test_curated_synonyms_join_every_form() -> None:
    v = vocab(("snake language", "python"))
    assert found(v, "snake language") == found(v, "snakelanguage") == {"python"}


def _own(*strings: tuple[str, str]) -> Vocabulary:
    """A vocabulary of (text, skill) pairs, each skill named by its first text."""
    names: dict[int, str] = {}
    ids: dict[str, int] = {}
    for _, skill in strings:
        ids.setdefault(skill, len(ids) + 1)
        names[ids[skill]] = skill
    return index(names, [(text, ids[skill]) for text, skill in strings])


def test_the_leading_words_of_a_longer_skill_name_it() -> None:
    v = _own(("site reliability engineering", "sre"), ("event-driven architecture", "eda"),
             ("event planning", "event planning"), ("events", "event planning"), ("driving", "driving"),
             ("délégué à la protection des données", "dpo"), ("site", "site"),
             ("quality management system", "qms"), ("leadership", "leadership"), ("management", "leadership"))
    assert found(v, "site reliability") == found(v, "Reliability Site") == {"sre"}
    assert found(v, "site") == {"site"}, "one word alone is that word, not every skill holding it"
    assert found(v, "event driven") == found(v, "Event-Driven") == {"eda"}, "both words beat one"
    assert found(v, "protection des") == set(), "leading words ending with a filler word say nothing"
    assert found(v, "management system") == {"leadership"}, "the last words are a generic head, not a guess"
    assert found(v, "site reliability for astronauts") == set(), "a guess: unknown words drop it"


def test_a_guess_about_one_word_gives_way_to_a_reading_of_the_whole_window() -> None:
    v = _own(("user stories", "user stories"), ("storytelling", "storytelling"), ("user research", "ux"))
    assert found(v, "story") == {"storytelling"}, "alone, a clipped word is completed"
    assert found(v, "user story") == {"user stories"}, "not 'storytelling' with 'user' left over"


def test_an_everyday_word_is_not_a_typo_of_another_word() -> None:
    """A fuzzy match corrects words that do not exist: one that does is read as itself (hobbies,
    sports, food name nobody), unless it is a variant of the skill word (same first letters)."""
    assert is_everyday_word("sailing") and is_everyday_word("hiking") and is_everyday_word("randonnee")
    assert not is_everyday_word("kotiln") and not is_everyday_word("recrutemnt")
    v = _own(("email marketing", "email marketing"), ("emailing", "email marketing"), ("kotlin", "kotlin"),
             ("recruiting", "recruiting"), ("hiring", "recruiting"), ("localisation", "localisation"),
             ("cryptography", "cryptography"), ("cryptographie", "cryptography"))
    assert found(v, "sailing") == found(v, "hiking") == found(v, "photographie animalière") == set()
    assert found(v, "anyone going hiking on sunday?", question=True) == set()
    assert found(v, "kotiln") == {"kotlin"} and found(v, "hirring") == {"recruiting"}, "typos still match"
    assert found(v, "localization") == {"localisation"}, "a variant of the skill word, not another word"
    assert found(v, "cryptographi") == {"cryptography"}
