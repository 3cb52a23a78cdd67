"""Commands: what adapters hand in (``Invocation``, ``Action``), the grammar, and the router that runs them.

Only the request types are re-exported here (DESIGN.md names ``core.commands.Invocation`` and
``core.commands.Action``); the router is ``core.commands.router.CommandRouter``.
"""

from core.commands.requests import Action, Actor, Invocation

__all__ = ["Action", "Actor", "Invocation"]
