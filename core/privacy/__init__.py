"""A member's rights over their data, self-served: export it, erase it; and how long texts and
activity are kept (retention)."""
