"""Commands that are about Parvis itself: help and the member's language."""

from __future__ import annotations

from functools import lru_cache

from core.access.rules import usable
from core.commands.context import Commands, Context, Listed
from core.commands.grammar import Args, Handlers, closest
from core.commands.later import NotYet
from core.directory.models import Member
from core.errors import Forbidden, UsageError
from core.governance import areas
from core.i18n import LOCALES, Translator
from core.messages import Reply, Section
from core.settings import Area

#: this module's commands; ``core/commands/wiring.py`` adds them to the registry
handlers = Handlers()


def _area_lines(t: Translator, commands: tuple[Listed, ...], area: str) -> str:
    lines = [f"• `{t(cmd.usage)}` — {t(cmd.summary)}"
             for cmd in sorted(commands, key=lambda cmd: cmd.path) if cmd.path[0] == area]
    return "\n".join(lines)


#: ``_open_to``'s answers: (registry id, roles, areas switched off) → (the registry, its size, the commands)
_OPEN: dict[tuple[int, frozenset[str], frozenset[Area]], tuple[Commands, int, tuple[Listed, ...]]] = {}
_OPEN_SIZE = 256


def _open_to(roles: frozenset[str], registry: Commands, disabled: frozenset[Area]) -> tuple[Listed, ...]:
    """``_commands_open_to``, worked out once per registry, roles and areas switched off.

    Why: ``help`` is the most frequent command and runs whenever a write has emptied the reply cache;
    walking every command through the permission table and the areas was a third of its server time.
    A registry is filled at start-up and only read afterwards; an entry is also refused when its
    registry gained commands since (tests register more), or is another object at the
    same address."""
    key = (id(registry), roles, frozenset(disabled))
    size = len(registry.commands)
    found = _OPEN.get(key)
    if found is not None and found[0] is registry and found[1] == size:
        return found[2]
    commands = _commands_open_to(roles, registry, disabled)
    if len(_OPEN) >= _OPEN_SIZE:
        _OPEN.clear()
    _OPEN[key] = (registry, size, commands)
    return commands


def _commands_open_to(roles: frozenset[str], registry: Commands, disabled: frozenset[Area]
                      ) -> tuple[Listed, ...]:
    """The commands the permission table lets someone holding ``roles`` use (on some thing: a group
    owner's commands are listed for every member, since any member may own a group), in the areas
    ``[rollout.areas]`` leaves open, and that work: a command of a later release (``NotYet``, which only
    answers "not available yet") is known to the grammar but not offered."""
    return tuple(command for command in registry.commands.values()
                 if not isinstance(command.handler, NotYet)
                 and (rule := registry.rule(command.name)) is not None and usable(roles, rule)
                 and areas.is_open(command.name, disabled))


@lru_cache(maxsize=64)
def _help(locale: str, area: str | None, commands: tuple[Listed, ...]) -> Reply:
    """The help text depends only on the language and the commands open to the member (their roles
    against the registry, both fixed once the process runs): built once per (language, area,
    commands), not on every ``help`` (the most frequent command)."""
    t = Translator(locale)
    if area is not None:
        return Reply(text=_area_lines(t, commands, area), title=t("help.area_title", area=area),
                     locale=t.locale)
    areas = sorted({cmd.path[0] for cmd in commands})
    sections = tuple(Section(text=f"**{t('help.area.' + name)}**\n{_area_lines(t, commands, name)}")
                     for name in areas)
    text = t("help.intro") + "\n\n" + "\n\n".join(s.text for s in sections)
    return Reply(text=text, title=t("help.title"), sections=sections, context=t("help.footer"),
                 locale=t.locale)


@handlers.command("help", cached="shared")
async def help_(ctx: Context, args: Args) -> Reply:
    """``help`` lists the areas; ``help group`` the commands of one area: only the commands the
    member's roles open to them (``core.access``)."""
    registry = ctx.registry
    disabled = ctx.services.settings.rollout.disabled_areas
    commands = _open_to(ctx.roles, registry, disabled)
    if args:
        area = args.tokens[0].lower()
        if not registry.has_area(area):
            raise UsageError("errors.unknown_help_area", usage="usage.help", word=args.tokens[0],
                             suggestion=closest(area, registry.areas()) or "group")
        if not any(command.path[0] == area for command in commands):
            switched_off = areas.area_of(area)
            if switched_off is not None and switched_off in disabled:
                raise Forbidden("rollout.area_closed", area=ctx.t(f"rollout.area.{switched_off}"))
            raise Forbidden("errors.help_area_closed", area=area)
        return _help(ctx.locale, area, commands)
    return _help(ctx.locale, None, commands)


@handlers.command("lang", min_args=1)
async def lang(ctx: Context, args: Args) -> Reply:
    """``lang fr`` switches every reply and message to French for this member, on every platform."""
    choice = args.tokens[0].lower()
    if choice not in LOCALES:
        raise UsageError("lang.unknown", usage="usage.lang", value=args.tokens[0],
                         choices=", ".join(LOCALES))
    # the row as it is now (ctx.member may be a few seconds old): only the language changes
    member = await ctx.uow.session.get(Member, ctx.member_id)
    assert member is not None
    member.locale = choice
    member.locale_chosen = True
    ctx.t.locale = choice
    return Reply(text=ctx.t("lang.changed"))
