"""Who may do what: one permission table for every command and click (``table.py``), and the one
function that reads it (``rules.permits``).

The router checks a command's roles before its handler runs; handlers check ownership (creator of a
campaign, owner of a group, asker of a question…) with ``Context.require`` once they hold the thing;
``help`` lists only what the member's roles allow. ``tests/test_permissions.py`` walks the table.
"""
