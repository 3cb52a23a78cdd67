"""Delivery: the outbox every scheduled message goes through, its claims, pacing and the dispatcher that
sends it.
"""
