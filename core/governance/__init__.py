"""Governance: the usage charter, a pilot rollout and areas switched on one by one (the gate the
router asks before every command), and the ``audit`` command over the audit trail."""
