"""Inbound events: the ledger that makes a platform's retried deliveries run once."""
