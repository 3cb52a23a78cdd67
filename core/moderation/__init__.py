"""Moderation: members report a message, moderators decide (Dismiss / Remove / Warn author)."""
