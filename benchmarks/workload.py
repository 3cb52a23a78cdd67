"""The organisation the load benchmarks run against, and the traffic its people make.

- ``directory_csv``: an imported directory of N members (``parvis directory import``, the real
  importer) with titles, departments, time zones, English and French speakers, 2–5 declared skills
  each from ``prompts/skills.toml`` and generated names, a few animators, referents and one admin;
- ``slack_users``: the Slack users among them (``users.info`` objects for the fake Web API), each
  the same e-mail, time zone and language as their directory row, so their first command joins them
  to their imported member;
- ``seed_commands``: what those people did before the benchmark (groups created, some private,
  groups joined, campaigns created and started, questions asked), as slash commands;
- ``Traffic``: the mixed workload — varied expert topics with typos, accents, French aliases and
  whole sentences; group list (with and without a query, typos included), info, members, join and
  leave; expert me and add; help and its areas; ask; question list; campaign list. Joins and leaves
  follow each user's memberships so that most succeed, as a person's would.

Everything is drawn from a seeded ``random.Random``: two runs send the same requests.
"""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from harness import TEAM, Sent

from core.directory.skills import vocabulary
from tests.fakes.slack_api import user

FIRST = ("Ana", "Léa", "Bruno", "Chloé", "David", "Emma", "Farid", "Gaëlle", "Hugo", "Inès", "Jules",
         "Karim", "Lina", "Marc", "Nora", "Omar", "Paula", "Quentin", "Rosa", "Sami", "Théo", "Uma",
         "Victor", "Wendy", "Xavier", "Yasmine", "Zoé")
LAST = ("Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy",
        "Moreau", "Simon", "Laurent", "Lefebvre", "Michel", "Garcia", "Smith", "Jones", "Nguyen", "Kim")
TITLES = ("Engineer", "Senior Engineer", "Product Manager", "Designer", "Data Analyst", "Consultant",
          "Sales Manager", "Accountant", "HR Partner", "Lawyer", "Researcher", "Support Lead")
DEPARTMENTS = ("R&D", "Product", "Design", "Data", "Sales", "Marketing", "Finance", "Legal", "HR",
               "Operations", "Support", "Security", "Infrastructure", "Research", "Strategy")
PLACES = (("Paris", "Europe/Paris", "fr"), ("Lyon", "Europe/Paris", "fr"), ("London", "Europe/London", "en"),
          ("New York", "America/New_York", "en"), ("Montréal", "America/Toronto", "fr"),
          ("Berlin", "Europe/Berlin", "en"), ("Singapore", "Asia/Singapore", "en"))
EXTRA_SKILLS = ("supply chain", "contract law", "payroll", "brand strategy", "user research",
                "financial modelling", "customer success", "incident response", "recruiting",
                "technical writing", "public speaking", "negotiation", "lean manufacturing",
                "tax compliance", "event planning", "sustainability reporting", "pricing", "mentoring")
GROUPS = ("Data Science", "Kubernetes Guild", "Python Users", "Design Systems", "Running Club", "Book Club",
          "Cloud Platform", "Security Champions", "Women in Tech", "Green Team", "Product Craft",
          "Frontend Guild", "Machine Learning", "Photography", "Agile Coaches", "Accessibility",
          "Data Engineering", "Open Source", "Cycling", "Chess Club", "Language Exchange", "Finance Forum",
          "Legal Ops", "Customer Voice", "API Design", "Mobile Guild", "Observability", "Remote Workers",
          "New Joiners", "Mentoring Circle")
TOPIC_WORDS = ("tips", "help", "people", "questions", "best practices", "team")
QUESTIONS = ("How do we rotate the {s} credentials safely in production?",
             "Who can review my {s} design before Friday?",
             "Is there a recommended way to get started with {s} here?",
             "What is the best {s} training you would recommend?",
             "Comment configurer {s} pour notre équipe ?")
NOTHING = ("underwater basket weaving", "astrologie védique", "xyzzy plugh", "origami avancé")


def _skill_names() -> list[str]:
    return sorted({*vocabulary(), *EXTRA_SKILLS})


def directory_csv(members: int, rng: random.Random) -> str:
    """The directory to import: ``members`` rows; member 1 is an admin, 2–6 animators, 7–10 referents."""
    names = _skill_names()
    weights = [1 / (rank + 8) for rank in range(len(names))]  # a few skills are common, most are rare
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(("email", "name", "title", "department", "location", "timezone", "locale", "skills",
                     "roles"))
    for n in range(1, members + 1):
        place, zone, locale = PLACES[n % len(PLACES)]
        held = sorted(set(rng.choices(names, weights, k=rng.randint(2, 5))))
        role = "admin" if n == 1 else "animator" if n <= 6 else "referent" if n <= 10 else ""
        writer.writerow((email(n), full_name(n),
                         TITLES[n % len(TITLES)], DEPARTMENTS[n * 3 % len(DEPARTMENTS)], place, zone,
                         locale, ";".join(held), role))
    return out.getvalue()


def full_name(n: int) -> str:
    return f"{FIRST[n % len(FIRST)]} {LAST[n * 7 % len(LAST)]} {n}"


def email(n: int) -> str:
    return f"person{n}@bench.example"


def user_id(n: int) -> str:
    """The Slack user of directory member ``n``."""
    return f"U{n:06d}"


def slack_users(count: int) -> dict[str, dict[str, Any]]:
    """``users.info`` objects of the first ``count`` members, matching their directory rows."""
    found = {}
    for n in range(1, count + 1):
        _place, zone, locale = PLACES[n % len(PLACES)]
        language = "fr-FR" if locale == "fr" else "en-US"
        found[user_id(n)] = user(user_id(n), email(n), full_name(n), locale=language, tz=zone)
    return found


def slash(n: int, text: str, response_url: str, label: str = "seed") -> Sent:
    """What Slack posts for ``/parvis <text>`` typed by member ``n``."""
    form = {"token": "x", "team_id": TEAM, "team_domain": "bench", "channel_id": "C0BENCH",
            "channel_name": "bench", "user_id": user_id(n), "user_name": f"person{n}", "command": "/parvis",
            "text": text, "api_app_id": "A0PARVIS", "is_enterprise_install": "false",
            "response_url": response_url, "trigger_id": f"1.2.{random.getrandbits(32)}"}
    return Sent(label, urlencode(form).encode())


def typo(word: str, rng: random.Random) -> str:
    """Two neighbouring letters swapped (or one dropped), as fast typing does."""
    if len(word) < 5:
        return word
    i = rng.randrange(1, len(word) - 2)
    if rng.random() < 0.5:
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    return word[:i] + word[i + 1:]


@dataclass
class Traffic:
    """The people of the benchmark and what they type; keeps each user's memberships to pick joins
    and leaves that make sense."""

    users: int
    rng: random.Random
    response_url: str
    groups: list[str] = field(default_factory=lambda: [name for name in GROUPS])
    owned: dict[int, set[str]] = field(default_factory=dict)
    joined: dict[int, set[str]] = field(default_factory=dict)
    skills: list[str] = field(default_factory=_skill_names)
    #: the labels of the commands to send (``mixed.py --only``); empty: the whole mix
    only: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        self.aliases = [alias for listed in vocabulary().values() for alias in listed if len(alias) > 3]

    # ------------------------------------------------------------- before
    def seed(self, campaign_start: datetime) -> list[Sent]:
        """Groups created (every fifth private) by their owners, three joins per user, five campaigns
        created and started by animators, a few questions asked."""
        sent = []
        for index, name in enumerate(self.groups):
            owner = 11 + index % max(1, self.users - 10)
            private = " --private" if index % 5 == 4 else ""
            words = name.lower().split()
            description = f"-- All about {name.lower()}: meetups, questions, links. #{words[0]} #{words[-1]}"
            sent.append(slash(owner, f"group create {name}{private} {description}", self.response_url))
            self.owned.setdefault(owner, set()).add(name)
            self.joined.setdefault(owner, set()).add(name)
        public = [name for index, name in enumerate(self.groups) if index % 5 != 4]
        for n in range(1, self.users + 1):
            for name in self.rng.sample(public, 3):
                if name not in self.joined.setdefault(n, set()):
                    self.joined[n].add(name)
                    sent.append(slash(n, f"group join {name}", self.response_url))
        start = f"{campaign_start:%Y-%m-%d}"
        for index, template in enumerate(("weekly-learning", "quarterly-pulse", "ice-breakers",
                                          "project-retrospective", "onboarding-week")):
            group = public[index * 3 % len(public)]
            sent.append(slash(2 + index % 5, f'campaign new {template} groups="{group}" start={start}',
                              self.response_url))
            sent.append(slash(2 + index % 5, f"campaign start {index + 1}", self.response_url))
        sent += [self.ask(n) for n in range(1, min(self.users, 20) + 1)]
        return sent

    # ------------------------------------------------------------- during
    def topic(self) -> str:
        kind = self.rng.random()
        if kind < 0.3:
            return self.rng.choice(self.skills)
        if kind < 0.55:
            return typo(self.rng.choice(self.skills), self.rng)
        if kind < 0.7:
            return self.rng.choice(self.aliases)
        if kind < 0.9:
            return f"who knows {typo(self.rng.choice(self.skills), self.rng)} {self.rng.choice(TOPIC_WORDS)}"
        return self.rng.choice(NOTHING)

    def ask(self, n: int) -> Sent:
        text = self.rng.choice(QUESTIONS).format(s=typo(self.rng.choice(self.skills), self.rng))
        return slash(n, f"ask {text} ({self.rng.randrange(10**6)})", self.response_url, "ask")

    def group_reference(self) -> str:
        """A group as people name it: its name, its slug, lower case, or with a typo."""
        name = self.rng.choice(self.groups)
        style = self.rng.random()
        if style < 0.4:
            return name
        if style < 0.7:
            return name.lower().replace(" ", "-")
        return typo(name.lower(), self.rng) if style < 0.85 else name.lower()

    def group_query(self) -> str:
        """What people search groups for: a word of a name or a tag, sometimes mistyped."""
        return typo(self.rng.choice(self.rng.choice(self.groups).split()).lower(), self.rng)

    def join(self, n: int) -> Sent:
        mine = self.joined.setdefault(n, set())
        free = [name for name in self.groups if name not in mine and self.groups.index(name) % 5 != 4]
        if not free:
            return self.leave(n)
        name = self.rng.choice(free)
        mine.add(name)
        return slash(n, f"group join {name}", self.response_url, "group join")

    def leave(self, n: int) -> Sent:
        mine = self.joined.setdefault(n, set()) - self.owned.get(n, set())
        if not mine:
            return self.join(n)
        name = self.rng.choice(sorted(mine))
        self.joined[n].discard(name)
        return slash(n, f"group leave {name}", self.response_url, "group leave")

    def kinds(self, n: int) -> tuple[tuple[float, str, Callable[[], Sent]], ...]:
        """What user ``n`` may type, each with its share of the mix and its label (``expert find``
        twice: its two shares keep the draws of earlier runs with the same seed)."""
        url = self.response_url
        return (
            (0.05, "help", lambda: slash(n, "help", url, "help")),
            (0.03, "help <area>", lambda: slash(n, f"help {self.rng.choice(('group', 'expert', 'campaign'))}",
                                                url, "help <area>")),
            (0.16, "expert find", lambda: slash(n, f"expert find {self.topic()}", url, "expert find")),
            (0.05, "expert me", lambda: slash(n, "expert me", url, "expert me")),
            (0.04, "expert add", lambda: slash(n, f"expert add {self.rng.choice(self.skills)}", url,
                                               "expert add")),
            (0.08, "group list", lambda: slash(n, "group list", url, "group list")),
            (0.08, "group list <query>", lambda: slash(n, f"group list {self.group_query()}", url,
                                                       "group list <query>")),
            (0.08, "group info", lambda: slash(n, f"group info {self.group_reference()}", url, "group info")),
            (0.03, "group members", lambda: slash(n, f"group members {self.group_reference()}", url,
                                                  "group members")),
            (0.06, "group join", lambda: self.join(n)),
            (0.05, "group leave", lambda: self.leave(n)),
            (0.04, "ask", lambda: self.ask(n)),
            (0.07, "question list", lambda: slash(n, "question list", url, "question list")),
            (0.08, "campaign list", lambda: slash(n, "campaign list", url, "campaign list")),
            (0.10, "expert find", lambda: slash(n, f"expert find {self.topic()}", url, "expert find")),
        )

    def one(self) -> Sent:
        """One request of the mix (shares: how often people type each command), or of the commands
        ``only`` names, in the same proportions to each other."""
        n = self.rng.randint(1, self.users)
        r = self.rng.random()
        kinds = [kind for kind in self.kinds(n) if not self.only or kind[1] in self.only]
        r *= sum(share for share, _, _ in kinds)
        for share, _, made in kinds:
            if r < share:
                return made()
            r -= share
        return kinds[-1][2]()

    def many(self, count: int) -> list[Sent]:
        return [self.one() for _ in range(count)]


def tomorrow() -> datetime:
    return datetime.now(UTC) + timedelta(days=1)
