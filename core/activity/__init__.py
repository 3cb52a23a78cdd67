"""Activity: who did what and when (adoption statistics) and the audit trail of sensitive changes."""
