"""The service convention of ``core/services.py``, checked over the source of ``core/``.

A service takes the ``UnitOfWork`` it runs in first and plain values after it; only handlers see a
``Context``, and a function never takes both a unit of work and ``Services`` (the mixed form the
expert routing had). Checked on the syntax tree, so a new module is covered without being listed.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: modules that handle commands and clicks (or run them): the only ones a ``Context`` reaches
HANDLER_MODULES = ("general.py", "later.py", "router.py", "context.py")


def is_handler_module(path: Path) -> bool:
    return path.name.endswith("commands.py") or path.name in HANDLER_MODULES


def annotation_of(arg: ast.arg) -> str:
    return ast.unparse(arg.annotation).strip("'\"") if arg.annotation is not None else ""


def breaches(source: str, handler_module: bool) -> list[str]:
    """Each function of ``source`` that breaks the convention, with the reason."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        params = [a for a in node.args.posonlyargs + node.args.args + node.args.kwonlyargs
                  if a.arg not in ("self", "cls")]
        kinds = [annotation_of(a) for a in params]
        if "Context" in kinds and not handler_module:
            found.append(f"{node.name}: takes a Context outside a handler module")
        if "UnitOfWork" in kinds and kinds[0] != "UnitOfWork":
            found.append(f"{node.name}: the UnitOfWork is not its first argument")
        if "UnitOfWork" in kinds and "Services" in kinds:
            found.append(f"{node.name}: takes both a UnitOfWork and Services")
    return found


def test_the_check_sees_each_breach() -> None:
    source = ("async def a(ctx: Context, text: str) -> None: ...\n"
              "async def b(db: Database, uow: UnitOfWork) -> None: ...\n"
              "async def c(uow: UnitOfWork, services: Services) -> None: ...\n"
              "async def d(uow: UnitOfWork, now: datetime) -> None: ...\n"
              "def e(services: Services) -> None: ...\n")
    assert breaches(source, handler_module=False) == [
        "a: takes a Context outside a handler module", "b: the UnitOfWork is not its first argument",
        "c: takes both a UnitOfWork and Services"]
    assert breaches("async def a(ctx: Context, args: Args) -> None: ...\n", handler_module=True) == []


def test_core_services_follow_the_convention() -> None:
    files = sorted((ROOT / "core").rglob("*.py"))
    assert len(files) > 10
    offenders = {str(path.relative_to(ROOT)): found for path in files
                 if (found := breaches(path.read_text(encoding="utf-8"), is_handler_module(path)))}
    assert offenders == {}
