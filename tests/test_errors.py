"""One error tree: every exception class of ``core/``, ``adapters/`` and ``bots/`` descends from
``ParvisFailure`` under the parent ``core/errors.py``'s docstring draws for it, and causes are kept."""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

import core.errors
from core.errors import ParvisFailure

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("core", "adapters", "bots")
NODE = re.compile(r"^    ((?:[│ ]   )*)([├└]── )?([A-Z]\w*)(?:  |$)")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def exception_classes() -> dict[str, type[BaseException]]:
    """Every exception class defined at the top level of a module of the three packages."""
    found: dict[str, type[BaseException]] = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts:  # Alembic scripts run on import; they define no exceptions
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            names = [node.name for node in tree.body if isinstance(node, ast.ClassDef) and node.bases]
            if not names:
                continue
            module = importlib.import_module(module_name(path))
            for name in names:
                value = getattr(module, name)
                if isinstance(value, type) and issubclass(value, BaseException):
                    found[f"{module.__name__}.{name}"] = value
    return found


def drawn_parents(doc: str) -> dict[str, str | None]:
    """Class name → its parent in the docstring's drawing (``None`` for the root)."""
    parents: dict[str, str | None] = {}
    path: list[str] = []
    for line in doc.splitlines():
        match = NODE.match(line)
        if match is None:
            continue
        indent, connector, name = match.groups()
        depth = len(indent) // 4 + 1 if connector else 0
        del path[depth:]
        parents[name] = path[-1] if path else None
        path.append(name)
    return parents


def test_the_drawing_is_read_as_a_tree() -> None:
    doc = ("    Root          r\n    ├── A         a\n    │   └── B     b\n    │             more\n"
           "    └── C         c\n        └── D  d\n")
    assert drawn_parents(doc) == {"Root": None, "A": "Root", "B": "A", "C": "Root", "D": "C"}


def test_every_exception_descends_from_the_one_root() -> None:
    found = exception_classes()
    assert len(found) >= 14
    outside = sorted(name for name, cls in found.items() if not issubclass(cls, ParvisFailure))
    assert not outside, f"exceptions outside the tree (derive them from a class of core.errors): {outside}"


def test_the_docstring_draws_every_exception_under_its_parent() -> None:
    assert core.errors.__doc__ is not None
    drawn = drawn_parents(core.errors.__doc__)
    assert drawn["ParvisFailure"] is None
    found = exception_classes()
    assert set(drawn) == {cls.__name__ for cls in found.values()}, "drawn, or defined, but not both"
    for name, cls in found.items():
        if cls is not ParvisFailure:
            assert drawn[cls.__name__] == cls.__bases__[0].__name__, f"{name} is drawn under another parent"


def test_causes_are_kept_unless_hiding_them_is_deliberate() -> None:
    hidden = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            lines = path.read_text(encoding="utf-8").splitlines()
            for number, line in enumerate(lines):
                if re.search(r"\bfrom None\s*$", line) and not any(
                        "from None, deliberately" in before for before in lines[max(0, number - 3):number]):
                    hidden.append(f"{path.relative_to(ROOT)}:{number + 1}")
    assert not hidden, f"`raise … from None` hides the cause (use `from exc`, or say why): {hidden}"
