"""What is waiting for a member: questions routed to them, prompts they have not answered, answers to
their questions (``inbox`` and the Slack Home tab)."""
