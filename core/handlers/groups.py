"""Group commands: list, create, info, join, leave, members, link, announce, archive."""
