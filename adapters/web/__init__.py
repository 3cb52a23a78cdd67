"""The web console (``app.py``): server-rendered pages under ``/app/``."""
