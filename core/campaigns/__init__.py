"""Discussion campaigns: templates, the authoring form, schedules and rounds, answers, reminders, summaries
and reports.
"""
