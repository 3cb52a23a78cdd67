"""The directory: members, their platform identities and roles, the skills they declare, expert search and
the CSV import.
"""
