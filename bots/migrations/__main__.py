"""Developer commands for the migration scripts (not needed to run Parvis).

    python -m bots.migrations regenerate          # rewrite the initial revision from the models
    python -m bots.migrations revision "message"  # add a new revision for what the models changed

Both compare the models with a throw-away SQLite database (batch mode, so the generated operations
also run on PostgreSQL). Review the generated file before committing it.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

from alembic import command
from alembic.script import ScriptDirectory

from bots.migrations import INITIAL_REVISION, MIGRATIONS_DIR, alembic_config, run_alembic, upgrade


def _generate(message: str, *, rev_id: str | None, upgrade_first: bool) -> Path:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'empty.db'}"

        async def generate() -> None:
            if upgrade_first:
                await upgrade(url)
            await run_alembic(url, lambda config: command.revision(config, message, autogenerate=True,
                                                            rev_id=rev_id))

        asyncio.run(generate())
    scripts = ScriptDirectory.from_config(alembic_config())
    head = scripts.get_current_head()
    revision = scripts.get_revision(head) if head is not None else None
    assert revision is not None and revision.path is not None
    return Path(revision.path)


def regenerate() -> Path:
    """Replace the single initial revision with one generated from the current models."""
    versions = sorted((MIGRATIONS_DIR / "versions").glob("*.py"))
    others = [path for path in versions if not path.name.startswith(f"{INITIAL_REVISION}_")]
    if others:
        names = ", ".join(path.name for path in others)
        raise SystemExit(f"refusing to regenerate: later revisions exist ({names}); add a revision instead")
    for path in versions:
        path.unlink()
    return _generate("initial schema", rev_id=INITIAL_REVISION, upgrade_first=False)


def main(argv: list[str]) -> int:
    if argv[:1] == ["regenerate"] and len(argv) == 1:
        print(f"wrote {regenerate()}")
        return 0
    if argv[:1] == ["revision"] and len(argv) == 2:
        print(f"wrote {_generate(argv[1], rev_id=None, upgrade_first=True)}")
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
