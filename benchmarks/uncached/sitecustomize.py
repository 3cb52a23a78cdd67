"""``mixed.py --uncached``: the server started with this directory on its ``PYTHONPATH`` answers no
command from its reply cache, so every read command runs (not Parvis code).

Python imports a ``sitecustomize`` module found on the path at start-up; this one makes
``Memory.recall`` find nothing. What it measures: what each command costs when it runs, the figure
the reply cache hides (a filtered run of ``group list`` alone is otherwise all hits, since nothing
writes). Replies are still kept, and writes still empty the cache, as without it.
"""

from core.commands.memory import Memory


def _nothing_kept(self: Memory, request: object, *, peek: bool = False) -> None:
    return None


Memory.recall = _nothing_kept  # type: ignore[assignment,method-assign]
