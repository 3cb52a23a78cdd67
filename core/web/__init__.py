"""The web console's core side: sign-in links and sessions (``sessions``), the ``dashboard`` command
(``commands``) and the figures its pages show (``pages``); the pages themselves are ``adapters/web``."""
