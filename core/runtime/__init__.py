"""The machinery apart from the domain: database and unit of work, SQLite driver, caches, activity writer,
scheduler.
"""
