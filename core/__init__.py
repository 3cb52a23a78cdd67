"""The platform-agnostic domain of Parvis: one package per capability, plus the machinery in ``runtime``.

The map is ``docs/architecture.md``. Nothing here imports Slack, Teams or HTTP libraries, and only this
package reads or writes the database."""
