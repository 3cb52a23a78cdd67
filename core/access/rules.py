"""The shape of the permission table and the one function that reads it.

A ``Rule`` is a list of ``Grant``\\ s: each names a role and, when the command acts on one thing (a
campaign, a group, a question), the relation to that thing the role needs (``creator``, ``owner``…);
a grant without a relation is enough by itself. ``permits`` is true when one grant holds. Admins hold
every role (``holds``); ``member`` is everyone's. Relations are facts computed by the capability that
owns the thing (``core.campaigns.ownership``, ``core.groups.lookup``, ``core.experts.questions``); the
table alone decides what they allow.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

MEMBER, ANIMATOR, REFERENT, MODERATOR, ADMIN = "member", "animator", "referent", "moderator", "admin"

#: the relations a member can have to the thing a command acts on (documented in the README table)
RELATIONS: dict[str, str] = {
    "creator": "created the campaign",
    "shared": "the campaign's creator shared it with them",
    "audience": "belongs to a group the campaign is aimed at",
    "recipient": "the campaign's prompt reached them (their direct message, or a channel it was posted in)",
    "owner": "owns the group",
    "group_member": "belongs to the group",
    "public": "the group is public",
    "asker": "asked the question",
    "assignee": "holds the question now (it was routed to them)",
    "late": "held the question until their time ran out, and nobody has answered it since",
    "paired": "was paired with the others of that coffee pairing",
    "author": "posted the poll",
    "addressee": "the message with the button was shown to them (a confirmation)",
}


def holds(roles: Iterable[str], *wanted: str) -> bool:
    """Whether ``roles`` include any of ``wanted``: admins hold every role, everyone holds ``member``."""
    held = set(roles)
    return ADMIN in held or MEMBER in wanted or any(role in held for role in wanted)


@dataclass(frozen=True)
class Grant:
    """``role`` may, when it has ``relation`` to the thing (``None``: whatever the thing)."""

    role: str
    relation: str | None = None


@dataclass(frozen=True)
class Rule:
    """Who may use one command or click; ``denied`` is the catalog key of the refusal when the
    member's roles allow none of it (the router says it before the handler runs)."""

    grants: tuple[Grant, ...]
    denied: str = "errors.forbidden"

    @property
    def roles(self) -> tuple[str, ...]:
        """The roles named, in order, each once."""
        return tuple(dict.fromkeys(grant.role for grant in self.grants))


def permits(roles: Iterable[str], rule: Rule, ownership: Iterable[str] = ()) -> bool:
    """Whether someone holding ``roles``, with the relations ``ownership`` to the thing, may do it."""
    held, facts = frozenset(roles), frozenset(ownership)
    return any(holds(held, grant.role) and (grant.relation is None or grant.relation in facts)
               for grant in rule.grants)


def usable(roles: Iterable[str], rule: Rule) -> bool:
    """Whether ``roles`` allow the command on some thing (the relation aside): what the router checks
    before the handler, and what ``help`` lists."""
    held = frozenset(roles)
    return any(holds(held, grant.role) for grant in rule.grants)
