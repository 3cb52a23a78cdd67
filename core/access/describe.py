"""The permission table in words, for README "Who may do what" (a test keeps the two the same)."""

from __future__ import annotations

from core.access.rules import Grant, Rule
from core.access.table import PLANNED, SEEING, TABLE

ROLE_WORDS = {"member": "members", "animator": "animators", "referent": "referents",
              "moderator": "moderators", "admin": "admins"}
#: relation → how it reads for everyone (``member``), and after another role's name
RELATION_WORDS = {
    "creator": ("its creator", "who created it"),
    "shared": ("those it is shared with", "it is shared with"),
    "audience": ("its audience (members of its groups)", "in its audience"),
    "recipient": ("those its prompt reached", "its prompt reached"),
    "owner": ("the group's owners", "who own the group"),
    "group_member": ("the group's members", "in the group"),
    "public": ("everyone, if the group is public", "if the group is public"),
    "asker": ("its asker", "who asked it"),
    "assignee": ("the expert it is routed to", "it is routed to"),
    "late": ("an expert whose time ran out, until someone answers", "whose time ran out on it"),
    "paired": ("the members of that pairing", "in that pairing"),
    "addressee": ("the member it was shown to", "it was shown to"),
    "author": ("the poll's author", "who posted the poll"),
}


def grant_words(grant: Grant) -> str:
    if grant.relation is None:
        return "everyone" if grant.role == "member" else ROLE_WORDS[grant.role]
    alone, after = RELATION_WORDS[grant.relation]
    return alone if grant.role == "member" else f"{ROLE_WORDS[grant.role]} {after}"


def rule_words(rule: Rule) -> str:
    return "; ".join(grant_words(grant) for grant in rule.grants)


def _rows(names: list[str], table: dict[str, Rule]) -> list[str]:
    by_rule: dict[Rule, list[str]] = {}
    for name in names:
        by_rule.setdefault(table[name], []).append(name)
    return [f"| {', '.join(f'`{name}`' for name in group)} | {rule_words(rule)} |"
            for rule, group in by_rule.items()]


def as_markdown() -> str:
    """Commands, then clicks and forms, then what may be seen, then rows waiting for their feature."""
    table = dict(TABLE)
    commands = [name for name in table if "." not in name]
    actions = [name for name in table if "." in name]
    lines = ["| Commands | Who may use them (admins hold every role) |", "|---|---|",
             *_rows(commands, table), "", "| Buttons and forms | Who may use them |", "|---|---|",
             *_rows(actions, table), "", "| Seeing | Who |", "|---|---|",
             *(f"| a {name} | {rule_words(rule)} |" for name, rule in SEEING.items())]
    if PLANNED:  # rows waiting for their feature, when some are
        lines += ["", "| Planned | Who |", "|---|---|",
                  *(f"| `{name}` | {rule_words(rule)} |" for name, rule in PLANNED.items())]
    return "\n".join(lines)
