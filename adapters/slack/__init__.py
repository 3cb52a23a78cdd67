"""The Slack adapter: slack-bolt's AsyncApp over HTTP (``POST /slack/events``) or Socket Mode.

Same shape as every adapter: ``inbound.py`` (payload → Invocation/Action), ``outbound.py`` (Reply →
Block Kit), ``messenger.py`` (the Messenger port), ``app.py`` (wiring), plus ``identity.py`` (who a
Slack user is, cached), ``events.py`` (Events API listeners; their retries are deduplicated by the
core's ``core.inbound.ledger``), ``home.py`` (App Home) and ``manifest.py``.
"""
