"""Sign-in links and sessions of the web console (``core.web.sessions``)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from core.runtime.columns import when


class WebSession(SQLModel, table=True):
    """A single-use sign-in link (``kind = "link"``) or the session it opened (``kind = "session"``).

    ``token_hash`` is the SHA-256 of the secret in the link or the cookie: the database alone opens
    nothing. ``id`` is a short public handle an admin revokes a session by. Erasing the member
    deletes their rows (``core.privacy.erasure``)."""

    __tablename__ = "web_session"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(unique=True, index=True, max_length=64)
    kind: str = Field(max_length=8)
    member_id: int = Field(foreign_key="member.id", index=True, ondelete="CASCADE")
    created_at: datetime = Field(sa_column=when(nullable=False))
    expires_at: datetime = Field(sa_column=when(nullable=False, index=True))
