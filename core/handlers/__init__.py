"""Command and action handlers, one module per area; importing this package registers them all."""

# `later` comes last: it only fills the grammar paths no feature module has registered.
from core.handlers import (  # noqa: F401, I001
    general,
    groups,
    roles,
    campaigns,
    experts,
    questions,
    later,  # noqa: F401, I001
)
