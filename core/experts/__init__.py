"""Experts: questions asked to the directory, routed from expert to expert in working hours, escalated to
referents.
"""
