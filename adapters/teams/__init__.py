"""The Microsoft Teams adapter (botbuilder 4.17.1 ``CloudAdapter``): inbound activities → commands and
actions, replies → Adaptive Cards, and a ``Messenger`` for proactive messages. See ``app.py``."""
