"""The permission table: every command (by its words, ``"campaign start"``) and every click or form
(by its action id prefix, ``"campaign.start"``) of Parvis, and who may use it.

Read a row as "this role, with this relation to the thing, may"; admins hold every role and
``member`` is everyone. ``tests/test_permissions.py`` fails when a registered command or action has
no row here, or a row names nothing registered; README "Who may do what" is this table in words.
Objects that are seen rather than used (a private group) have their rows in ``SEEING``; rows for
features announced but not built yet wait in ``PLANNED``.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from core.access.rules import ADMIN, ANIMATOR, MEMBER, MODERATOR, REFERENT, Grant, Rule

EVERYONE = Rule((Grant(MEMBER),))
#: runs campaigns: the campaign's creator and the animators it is shared with (animators still), admins
CAMPAIGN_MANAGERS = Rule((Grant(ANIMATOR, "creator"), Grant(ANIMATOR, "shared"), Grant(ADMIN)),
                         denied="campaign.run_forbidden")
#: manages a group: its owners, animators (and so admins)
GROUP_MANAGERS = Rule((Grant(MEMBER, "owner"), Grant(ANIMATOR)))
#: a member's own controls over one campaign (skip, snooze, leave): its audience
IN_AUDIENCE = Rule((Grant(MEMBER, "audience"),), denied="campaign.not_in_audience")
ANSWERS = Rule((Grant(MEMBER, "recipient"),), denied="campaign.not_recipient")
ASKER = Rule((Grant(MEMBER, "asker"),), denied="question.not_asker")
ASSIGNEE = Rule((Grant(MEMBER, "assignee"),), denied="question.not_yours")
#: answers a question: its holder, or whose time ran out while writing, as long as nobody answered first
ANSWERER = Rule((Grant(MEMBER, "assignee"), Grant(MEMBER, "late")), denied="question.not_yours")
#: answers for a coffee pairing: only the members of that pair
PAIRED = Rule((Grant(MEMBER, "paired"),), denied="pairing.not_yours")
#: teach the expert search the company's words: referents (and so admins)
CURATORS = Rule((Grant(REFERENT),), denied="synonym.referents_only")

#: the ``SEEING`` row of the organisation's adoption figures
ORGANISATION_FIGURES = "view of the whole organisation's statistics (`stats`)"
#: the ``SEEING`` row of who accepted which version of the usage charter
CHARTER_ACCEPTANCES = "record of who accepted which version of the usage charter (`charter status`)"

_COMMANDS: dict[str, Rule] = {
    "help": EVERYONE,
    "lang": EVERYONE,
    # groups: which ones a member may name at all is SEEING["group"]
    "group list": EVERYONE,
    "group create": EVERYONE,
    "group info": EVERYONE,
    "group join": EVERYONE,
    "group leave": EVERYONE,
    "group members": EVERYONE,
    "group add": GROUP_MANAGERS,
    "group link": GROUP_MANAGERS,
    "group announce": GROUP_MANAGERS,
    "group archive": Rule((*GROUP_MANAGERS.grants, Grant(MODERATOR))),
    "group pairing": GROUP_MANAGERS,
    # experts and questions
    "expert add": EVERYONE,
    "expert remove": EVERYONE,
    "expert me": EVERYONE,
    "expert find": EVERYONE,
    "expert away": EVERYONE,
    "expert back": EVERYONE,
    "ask": EVERYONE,
    "expert synonym": CURATORS,
    "expert misses": CURATORS,
    "question list": EVERYONE,
    "question close": Rule((Grant(MEMBER, "asker"), Grant(ADMIN)), denied="question.not_asker"),
    "question answer": ASSIGNEE,
    "question pass": ASSIGNEE,
    "inbox": EVERYONE,
    # campaigns
    "campaign list": EVERYONE,
    "campaign new": Rule((Grant(ANIMATOR),), denied="campaign.forbidden"),
    "campaign show": Rule((*CAMPAIGN_MANAGERS.grants, Grant(MEMBER, "audience"))),
    "campaign start": CAMPAIGN_MANAGERS,
    "campaign pause": CAMPAIGN_MANAGERS,
    "campaign resume": CAMPAIGN_MANAGERS,
    "campaign close": CAMPAIGN_MANAGERS,
    "campaign report": CAMPAIGN_MANAGERS,
    "campaign share": CAMPAIGN_MANAGERS,
    "campaign skip": IN_AUDIENCE,
    "campaign snooze": IN_AUDIENCE,
    "campaign leave": IN_AUDIENCE,
    "campaign edit": CAMPAIGN_MANAGERS,
    "campaign copy": CAMPAIGN_MANAGERS,
    "campaign delete": CAMPAIGN_MANAGERS,
    "campaign optout": EVERYONE,
    "campaign optin": EVERYONE,
    # coffee pairing
    "pairing join": EVERYONE,
    "pairing leave": EVERYONE,
    "pairing pause": EVERYONE,
    # later releases (the grammar knows them already)
    "stats": EVERYONE,
    "charter": EVERYONE,  # ``charter status`` is SEEING[CHARTER_ACCEPTANCES]
    "privacy export": EVERYONE,
    "privacy delete": EVERYONE,
    # quick polls: anyone posts one where they are
    "poll": EVERYONE,
    # moderation: anyone reports a message; moderators (and so admins) decide
    "moderation report": EVERYONE,
    # the outbox's failed deliveries
    "outbox failed": Rule((Grant(ADMIN),), denied="outbox.admins_only"),
    "outbox retry": Rule((Grant(ADMIN),), denied="outbox.admins_only"),
    # roles
    "role grant": Rule((Grant(ADMIN),), denied="role.admins_only"),
    "role revoke": Rule((Grant(ADMIN),), denied="role.admins_only"),
    # the audit trail
    "audit": Rule((Grant(ADMIN),), denied="audit.admins_only"),
    # the web console: a sign-in link for anyone; each page then enforces the rows of what it shows
    "dashboard": EVERYONE,
}

_ACTIONS: dict[str, Rule] = {
    "group.join": EVERYONE,
    "group.leave": EVERYONE,
    "campaign.create": Rule((Grant(ANIMATOR),), denied="campaign.forbidden"),
    "campaign.start": CAMPAIGN_MANAGERS,
    "campaign.save": CAMPAIGN_MANAGERS,
    "campaign.check": Rule((Grant(ANIMATOR),), denied="campaign.forbidden"),
    "campaign.answer": ANSWERS,
    "campaign.write": ANSWERS,
    "campaign.text": ANSWERS,
    "campaign.ask": ANSWERS,
    "campaign.reopen": ANSWERS,
    "question.ask": ASKER,
    "question.helpful": ASKER,
    "question.reuse": ASKER,
    "question.answer": ANSWERER,
    "question.submit": ANSWERER,
    "question.pass": ASSIGNEE,
    "moderation.report": EVERYONE,
    "moderation.decide": Rule((Grant(MODERATOR),), denied="moderation.moderators_only"),
    "charter.accept": EVERYONE,
    "poll.vote": EVERYONE,
    "poll.close": Rule((Grant(MEMBER, "author"),), denied="poll.not_author"),
    "pairing.met": PAIRED,
    "pairing.missed": PAIRED,
    #: *Erase my data*: only by the member ``privacy delete`` showed it to, never by anyone for them
    "privacy.delete": Rule((Grant(MEMBER, "addressee"),), denied="privacy.delete.not_yours"),
    #: *Revoke* on the web console's list of sessions (/app/admin/sessions)
    "web.revoke": Rule((Grant(ADMIN),), denied="web.admins_only"),
}

#: every command and action of the registry → its rule
TABLE: Mapping[str, Rule] = MappingProxyType(_COMMANDS | _ACTIONS)

#: who may know that a thing exists at all: a private group is known to its members (and admins) only;
#: for everyone else it answers exactly like a group that does not exist
SEEING: Mapping[str, Rule] = MappingProxyType({
    "group": Rule((Grant(MEMBER, "public"), Grant(MEMBER, "group_member"), Grant(ADMIN))),
    #: ``stats`` of everyone, not only of the groups one belongs to (``core.stats.commands``)
    ORGANISATION_FIGURES: Rule((Grant(ANIMATOR),), denied="stats.organisation_forbidden"),
    #: ``charter status``: who accepted which version (``core.governance.commands``)
    CHARTER_ACCEPTANCES: Rule((Grant(ADMIN),), denied="charter.status_forbidden"),
})

#: rows ready for features of later issues, moved to ``TABLE`` when their command is registered
PLANNED: Mapping[str, Rule] = MappingProxyType({})

