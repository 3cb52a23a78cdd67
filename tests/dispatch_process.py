"""A dispatcher process for the exactly-once tests: ``python -m tests.dispatch_process URL LOG …``.

It sends every due delivery of the database through a messenger that appends one line per accepted
message to LOG (``O_APPEND`` writes of one short line are atomic, so several processes may share it),
and exits when no row is left pending or sending.
"""

from __future__ import annotations

import argparse
import asyncio
import os
from datetime import timedelta
from pathlib import Path

from sqlmodel import col, func, select

from core.capabilities import build_registry
from core.delivery.dispatcher import Dispatcher
from core.messages import Reply
from core.ports import ConversationRef, FakeMessenger, MemberAddress, Progress, SentMessage
from core.runtime.db import Database
from core.schema import Delivery
from core.services import Services
from tests import delivery_support


class RecordingMessenger(FakeMessenger):
    """Accepts each message after ``delay`` seconds and logs it as sent by this process."""

    def __init__(self, log: Path, name: str, delay: float) -> None:
        super().__init__(platform="console")
        self.fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        self.name = name
        self.delay = delay

    async def send_direct(self, to: MemberAddress, reply: Reply,
                          progress: Progress | None = None) -> SentMessage:
        return await self._accept(to.user_id)

    async def post(self, channel: ConversationRef, reply: Reply,
                   progress: Progress | None = None) -> SentMessage:
        return await self._accept(channel.channel)

    async def _accept(self, recipient: str) -> SentMessage:
        await asyncio.sleep(self.delay)
        os.write(self.fd, f"{recipient} {self.name}\n".encode())
        return SentMessage(self.platform, recipient, f"{self.name}-{recipient}")


async def unsettled(db: Database) -> int:
    async with db.uow() as uow:
        statement = select(func.count()).select_from(Delivery).where(
            col(Delivery.status).in_(("pending", "sending")))
        return int((await uow.session.exec(statement)).one())


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("log", type=Path)
    parser.add_argument("--name", default="p")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--delay", type=float, default=0.005)
    parser.add_argument("--lease", type=float, default=300.0)
    parser.add_argument("--go", type=Path, help="wait for this file to exist before dispatching")
    args = parser.parse_args()
    db = Database(args.url)
    registry = build_registry()
    delivery_support.register(registry)
    services = Services(db=db, renderers=registry,
                        messengers={"console": RecordingMessenger(args.log, args.name, args.delay)})
    dispatcher = Dispatcher(services, concurrency=args.concurrency, lease=timedelta(seconds=args.lease),
                            name=args.name)
    print("ready", flush=True)
    while args.go is not None and not args.go.exists():
        await asyncio.sleep(0.01)
    while await unsettled(db):
        if not await dispatcher.run_once():
            await asyncio.sleep(0.05)
    await db.dispose()


if __name__ == "__main__":
    asyncio.run(main())
