"""``group list``'s one-query summaries: member counts without erased people, the viewer's role, and
private groups only for their members and admins."""

from __future__ import annotations

from datetime import UTC, datetime

from core.groups.lookup import Viewer, summaries
from core.runtime.db import Database
from core.schema import Group, GroupMember, Member


async def test_summaries_count_live_members_and_show_the_viewers_role(db: Database) -> None:
    now = datetime(2026, 3, 1, tzinfo=UTC)
    async with db.uow() as uow:
        people = [Member(email=f"p{n}@example.com", display_name=f"P{n}") for n in range(4)]
        people[3].erased_at = now
        uow.session.add_all(people)
        await uow.session.flush()
        ids = [person.id or 0 for person in people]
        public = Group(slug="zeta", name="Zeta", visibility="public", created_by=ids[0])
        hidden = Group(slug="alpha", name="Alpha", visibility="private", created_by=ids[0])
        gone = Group(slug="old", name="Old", visibility="public", created_by=ids[0], archived_at=now)
        uow.session.add_all([public, hidden, gone])
        await uow.session.flush()
        assert public.id and hidden.id and gone.id
        uow.session.add_all([GroupMember(group_id=public.id, member_id=ids[0], role="owner"),
                             GroupMember(group_id=public.id, member_id=ids[1]),
                             GroupMember(group_id=public.id, member_id=ids[3]),     # erased: not counted
                             GroupMember(group_id=hidden.id, member_id=ids[0], role="owner"),
                             GroupMember(group_id=gone.id, member_id=ids[1])])
        await uow.commit()
    async with db.uow() as uow:
        owner = await summaries(uow, Viewer(ids[0]))
        outsider = await summaries(uow, Viewer(ids[2]))
        admin = await summaries(uow, Viewer(ids[2], admin=True))
    expected = [("Alpha", 1, "owner"), ("Zeta", 2, "owner")]
    assert [(s.group.name, s.members, s.my_role) for s in owner] == expected
    assert [(s.group.name, s.members, s.my_role) for s in outsider] == [("Zeta", 2, None)]
    assert [s.group.name for s in admin] == ["Alpha", "Zeta"]        # sorted by name, archived left out
