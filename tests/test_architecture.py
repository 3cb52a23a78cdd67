"""The core stays platform-agnostic, free of import cycles, and alone owns the data; the package
installs its ``parvis`` command.

Ownership of data (issue 11, point 2): nothing in ``adapters/`` or ``bots/`` imports a table model
(``core.schema``, ``core.<package>.models``) or opens a unit of work (``UnitOfWork``, ``….uow()``);
they call core services with plain values. The one thing the migrations need from the tables, their
metadata, comes through ``core.runtime.db.metadata()`` (it imports ``core.schema`` itself), so
``bots/migrations/env.py`` names no table either. Core entry points that run before any ``Services``
exist (the CSV import, ``[roles]`` seeding, the demo's identities) take the ``Database`` and open
their own transactions; handing them the ``Database`` is not opening one. And the composition root
depends on the adapters, never the reverse: ``adapters/`` import nothing from ``bots/``.

Each rule is a function over source text, tested on a synthetic violation, then applied to the tree.
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Callable, Iterable, Mapping
from importlib.metadata import distribution
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = ("slack_bolt", "slack_sdk", "botbuilder", "botframework", "aiohttp")
MODELS = re.compile(r"^core\.(schema|[a-z_]+\.models)(\.|$)")


def imported_modules(source: str) -> set[str]:
    """Every module an import statement names (``import a.b``, ``from a.b import c``)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def imported_names(source: str) -> set[str]:
    """``imported_modules`` plus ``a.b.c`` for every ``from a.b import c`` (``c`` may be a module)."""
    names = imported_modules(source)
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def model_imports(source: str) -> set[str]:
    """The table-model modules a source imports (``core.schema``, ``core.<package>.models``)."""
    return {name for name in imported_names(source) if MODELS.match(name)}


def unit_of_work_uses(source: str) -> set[str]:
    """Where a source opens or names a unit of work: ``UnitOfWork`` (imported or used) and ``….uow``."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Name) and node.id == "UnitOfWork":
            found.add("UnitOfWork")
        elif isinstance(node, ast.alias) and node.name.split(".")[-1] == "UnitOfWork":
            found.add("UnitOfWork")
        elif isinstance(node, ast.Attribute) and node.attr in ("uow", "UnitOfWork"):
            found.add(f".{node.attr}")
    return found


def bots_imports(source: str) -> set[str]:
    return {name for name in imported_modules(source) if name.split(".")[0] == "bots"}


def offenders(folders: tuple[str, ...], check: Callable[[str], set[str]],
              root: Path = ROOT) -> dict[str, list[str]]:
    """File → what ``check`` found in it, for every Python file under ``folders``."""
    files = sorted(path for folder in folders for path in (root / folder).rglob("*.py"))
    return {str(path.relative_to(root)): sorted(found) for path in files
            if (found := check(path.read_text(encoding="utf-8")))}


def forbidden_in(source: str) -> set[str]:
    return {name for name in imported_modules(source) if name.split(".")[0] in FORBIDDEN}


def test_the_check_sees_every_form_of_import() -> None:
    source = ("import aiohttp.web\nfrom slack_sdk.web import WebClient\nimport os, botbuilder.core as b\n"
              "def f():\n    from botframework.connector import auth\n"
              "from slack_boltish import x\nfrom . import aiohttp\n")
    assert forbidden_in(source) == {"aiohttp.web", "slack_sdk.web", "botbuilder.core",
                                    "botframework.connector"}


def test_core_imports_no_platform_or_http_library() -> None:
    assert len(sorted((ROOT / "core").rglob("*.py"))) > 10
    assert offenders(("core",), forbidden_in) == {}


def test_the_model_check_sees_every_form_of_import() -> None:
    source = ("from core.schema import Member\nimport core.groups.models\nfrom core.experts import models\n"
              "def f():\n    from core.directory.models import Identity as I\n"
              "from core import schema\nfrom core.directory.members import find_member\n"
              "from core.runtime.db import metadata\nfrom core.schemas import x\nfrom . import models\n")
    assert model_imports(source) == {"core.schema", "core.schema.Member", "core.groups.models",
                                     "core.experts.models", "core.directory.models",
                                     "core.directory.models.Identity"}


def test_the_unit_of_work_check_sees_opening_and_naming_one() -> None:
    opening = "async def f(services):\n    async with services.db.uow() as u:\n        pass\n"
    assert unit_of_work_uses(opening) == {".uow"}
    assert unit_of_work_uses("from core.runtime.db import UnitOfWork\n") == {"UnitOfWork"}
    assert unit_of_work_uses("import core.runtime.db as d\nx: d.UnitOfWork\n") == {".UnitOfWork"}
    assert unit_of_work_uses("def f(u: 'x', w: UnitOfWork) -> None: ...\n") == {"UnitOfWork"}
    assert unit_of_work_uses("from core.runtime.db import Database\nuow_count = db.uows\n") == set()


def test_the_bots_check_sees_every_form_of_import() -> None:
    source = ("import bots.config\nfrom bots import bootstrap\nfrom botsy import x\nfrom core import bots\n"
              "if TYPE_CHECKING:\n    from bots.server import CleanupContext\n"
              "def f():\n    from bots.bootstrap import Platform\n")
    assert bots_imports(source) == {"bots.config", "bots", "bots.server", "bots.bootstrap"}


def test_a_violation_in_a_file_is_reported(tmp_path: Path) -> None:
    """The folder walk itself: one bad file among good ones is named, with what it did."""
    (tmp_path / "adapters" / "x").mkdir(parents=True)
    (tmp_path / "adapters" / "x" / "good.py").write_text("from core.overview import overview\n")
    (tmp_path / "adapters" / "x" / "bad.py").write_text(
        "from core.schema import Member\nfrom bots.config import Config\n"
        "async def f(db):\n    async with db.uow() as uow:\n        pass\n")
    bad = str(Path("adapters", "x", "bad.py"))
    assert offenders(("adapters",), model_imports, tmp_path) == {bad: ["core.schema", "core.schema.Member"]}
    assert offenders(("adapters",), unit_of_work_uses, tmp_path) == {bad: [".uow"]}
    assert offenders(("adapters",), bots_imports, tmp_path) == {bad: ["bots.config"]}


def test_adapters_and_bots_import_no_table_model() -> None:
    assert offenders(("adapters", "bots"), model_imports) == {}


def test_adapters_and_bots_open_no_unit_of_work() -> None:
    assert offenders(("adapters", "bots"), unit_of_work_uses) == {}


def test_adapters_import_nothing_from_bots() -> None:
    """What an adapter contributes (``adapters.platform``) and the section it reads
    (``adapters/<platform>/settings.py``) live on the adapters' side; ``bots/`` composes them."""
    assert offenders(("adapters",), bots_imports) == {}


def test_parvis_console_script_is_installed() -> None:
    scripts = {entry.name: entry.value for entry in distribution("parvis").entry_points
               if entry.group == "console_scripts"}
    assert scripts.get("parvis") == "bots.cli:main"
    assert (Path(sys.executable).parent / "parvis").is_file()


# -- no import cycle in core/ ---------------------------------------------------------------------------

Graph = Mapping[str, set[str]]


def module_name(path: Path, root: Path = ROOT) -> str:
    """``core/groups/commands.py`` → ``core.groups.commands``; a package is named by its folder."""
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_edges(module: str, source: str, modules: Iterable[str], *, package: bool = False) -> set[str]:
    """The modules of ``modules`` that ``module`` imports: ``import core.a``, ``from core.a import b``
    (``core.a``, and ``core.a.b`` when ``b`` is a module), relative forms resolved, at any depth
    (functions included), and under ``if TYPE_CHECKING:`` too (see ``test_core_has_no_import_cycle``)."""
    known = set(modules)
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Import | ast.ImportFrom):
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
            continue
        base = node.module or ""
        if node.level:
            anchor = module.split(".")
            anchor = anchor[:len(anchor) - node.level + (1 if package else 0)]
            base = ".".join([*anchor, base] if base else anchor)
        found.add(base)
        found.update(f"{base}.{alias.name}" for alias in node.names)
    return (found & known) - {module}


def core_import_graph() -> dict[str, set[str]]:
    """Each module of ``core/`` → the modules of ``core/`` it imports."""
    files = {module_name(path): path for path in sorted((ROOT / "core").rglob("*.py"))}
    return {name: import_edges(name, path.read_text(encoding="utf-8"), files, package=path.stem == "__init__")
            for name, path in files.items()}


def cycles(graph: Graph) -> list[list[str]]:
    """One cycle (``[a, b, …, a]``) through each strongly connected group of modules; ``[]`` if none.

    Tarjan's algorithm, iterative, so a deep graph cannot hit the recursion limit."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph.get(start, ()))))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, successors = work[-1]
            for successor in successors:
                if successor not in index:
                    index[successor] = low[successor] = len(index)
                    stack.append(successor)
                    on_stack.add(successor)
                    work.append((successor, iter(sorted(graph.get(successor, ())))))
                    break
                if successor in on_stack:
                    low[node] = min(low[node], index[successor])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    group = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.append(member)
                        if member == node:
                            break
                    if len(group) > 1 or node in graph.get(node, ()):
                        groups.append(_cycle_within(graph, set(group)))
    return groups


def _cycle_within(graph: Graph, group: set[str]) -> list[str]:
    """A shortest cycle from the group's first module back to it, staying inside the group."""
    start = min(group)
    paths = {start: [start]}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for successor in sorted(graph.get(node, set()) & group):
                if successor == start:
                    return [*paths[node], start]
                if successor not in paths:
                    paths[successor] = [*paths[node], successor]
                    following.append(successor)
        frontier = following
    raise AssertionError(f"no cycle in {sorted(group)}")  # pragma: no cover — a group always has one


def test_the_cycle_finder_reports_each_cycle_and_nothing_else() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set(), "e": {"e"}, "f": {"a"}}
    assert sorted(cycles(graph)) == [["a", "b", "c", "a"], ["e", "e"]]
    assert cycles({"a": {"b"}, "b": {"c"}, "c": set(), "d": {"a", "c"}}) == []


def test_the_graph_sees_submodules_relative_and_type_checking_imports() -> None:
    modules = {"core", "core.a", "core.b", "core.c", "core.f", "core.pkg", "core.pkg.d"}
    source = ("from core import a\nimport core.b as b\nfrom typing import TYPE_CHECKING\n"
              "from .pkg.d import x\nif TYPE_CHECKING:\n    from core import c\nelse:\n    import core.f\n"
              "def later():\n    import core.pkg\n")
    assert import_edges("core.e", source, modules) == {"core", "core.a", "core.b", "core.c", "core.f",
                                                       "core.pkg", "core.pkg.d"}
    assert import_edges("core.pkg", "from . import d\n", modules, package=True) == {"core.pkg.d"}


def test_a_deliberate_cycle_fails_the_check() -> None:
    """What ``test_core_has_no_import_cycle`` would see if two modules imported each other again, or if
    ``Services`` held the registry once more (a ring of imports made for annotations only)."""
    sources = {"core.runtime.db": "from core.runtime.sqlite_driver import tune_sqlite\n",
               "core.runtime.sqlite_driver": "from core.runtime.db import UnitOfWork\n",
               "core.services": "if TYPE_CHECKING:\n    from core.registry import Registry\n",
               "core.registry": "if TYPE_CHECKING:\n    from core.runtime.jobs import PeriodicJob\n",
               "core.runtime.jobs": "if TYPE_CHECKING:\n    from core.services import Services\n"}
    graph = {name: import_edges(name, source, sources) for name, source in sources.items()}
    assert cycles(graph) == [["core.registry", "core.runtime.jobs", "core.services", "core.registry"],
                             ["core.runtime.db", "core.runtime.sqlite_driver", "core.runtime.db"]]


def test_core_has_no_import_cycle() -> None:
    """No module of ``core/`` imports, directly or not, a module that imports it back.

    The graph holds every import (at module level, inside a function, under ``if TYPE_CHECKING:``),
    with ``from core.x import y`` pointing at ``core.x.y`` too when ``y`` is a module. An import for an
    annotation only never runs, but it still ties the two modules' designs together: a ring of them
    is a ring of layers, each of which can only be understood with the others. Where a low module
    must read something a high one defines, it says what it reads in a small ``Protocol`` of its own
    (``core.commands.grammar.Vocabulary``, ``core.delivery.rendering.Renderers``…) and the high
    module's class meets it: this is how the registry, which holds handlers and jobs that take
    ``Services``, is read by the grammar, the dispatcher and the scheduler without being imported.
    """
    graph = core_import_graph()
    assert len(graph) > 50 and "core.commands.grammar" in graph["core.commands.router"]
    found = cycles(graph)
    assert found == [], "import cycles in core/:\n" + "\n".join(" → ".join(cycle) for cycle in found)
