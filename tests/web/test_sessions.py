"""Signing in to the web console from the chat: the link is single-use, lasts ten minutes, opens a
session whose cookie is HttpOnly and SameSite=Lax; forms need their CSRF token; logout and an admin's
revocation end a session."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta

from sqlmodel import select

from core.commands.requests import Invocation
from core.commands.router import CommandRouter
from core.ports import ConversationRef
from core.settings import WebSettings
from core.web.models import WebSession
from tests.campaign_support import ANA, BOB, DEE, ok
from tests.conftest import Chat, actor, give_role
from tests.web.conftest import PUBLIC, link_in, sign_in


async def test_dashboard_gives_a_link_that_signs_in_once(chat, web_client, db) -> None:  # type: ignore[no-untyped-def]
    reply = await ok(chat(ANA), "dashboard")
    assert reply.visibility == "private"
    path = link_in(reply.text).removeprefix(PUBLIC)
    page = await web_client.get(path)
    assert page.status == 200 and "Sign in" in await page.text()
    opened = await web_client.post(path, allow_redirects=False)
    assert opened.status == 303
    cookie = opened.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    home = await web_client.get("/app/")
    assert home.status == 200 and "Campaigns" in await home.text()
    again = await web_client.post(path)
    assert again.status == 403 and "used already" in await again.text()
    async with db.uow() as uow:
        stored = (await uow.session.exec(select(WebSession))).all()
    token = path.rsplit("/", 1)[1]
    assert stored and all(token not in row.token_hash for row in stored)


async def test_an_expired_link_is_refused(chat, web_client, clock) -> None:  # type: ignore[no-untyped-def]
    path = link_in((await ok(chat(ANA), "dashboard")).text).removeprefix(PUBLIC)
    clock.current = clock.now() + timedelta(minutes=11)
    refused = await web_client.post(path)
    assert refused.status == 403 and "expired" in await refused.text()
    assert (await web_client.get("/app/")).status == 401


async def test_the_session_ends_after_its_hours(chat, web_client, clock) -> None:  # type: ignore[no-untyped-def]
    await sign_in(chat, web_client, ANA)
    clock.current = clock.now() + timedelta(hours=8, minutes=1)
    signed_out = await web_client.get("/app/")
    assert signed_out.status == 401 and "dashboard" in await signed_out.text()


async def test_a_form_without_its_csrf_token_is_refused(chat, web_client) -> None:  # type: ignore[no-untyped-def]
    csrf = await sign_in(chat, web_client, ANA)
    refused = await web_client.post("/app/logout", data={})
    assert refused.status == 403 and "security token" in await refused.text()
    forged = await web_client.post("/app/logout", data={"csrf": "0" * 64})
    assert forged.status == 403
    out = await web_client.post("/app/logout", data={"csrf": csrf})
    assert out.status == 200 and "logged out" in await out.text()
    assert (await web_client.get("/app/")).status == 401


async def test_an_admin_revokes_a_session(chat, web_client, db) -> None:  # type: ignore[no-untyped-def]
    await ok(chat(BOB), "help")
    await ok(chat(DEE), "help")
    await give_role(db, DEE, "admin")
    await sign_in(chat, web_client, BOB)
    bob_cookies = web_client.session.cookie_jar.filter_cookies(web_client.make_url("/app/"))
    assert (await web_client.get("/app/admin/sessions")).status == 403, "Bob is no admin"
    web_client.session.cookie_jar.clear()
    csrf = await sign_in(chat, web_client, DEE)
    listing = await web_client.get("/app/admin/sessions")
    text = await listing.text()
    assert listing.status == 200 and "Bob" in text
    row = r'sessions/(\d+)/revoke"><input[^>]*>\s*<button[^>]*>Revoke<span class="sr-only"> Bob'
    bobs = re.search(row, text)
    assert bobs, text
    revoked = await web_client.post(f"/app/admin/sessions/{bobs.group(1)}/revoke", data={"csrf": csrf})
    assert "has ended" in await revoked.text()
    web_client.session.cookie_jar.clear()
    web_client.session.cookie_jar.update_cookies(bob_cookies)
    assert (await web_client.get("/app/")).status == 401
    web_client.session.cookie_jar.clear()
    await sign_in(chat, web_client, DEE)
    audit = await web_client.get("/app/admin/audit")
    assert audit.status == 200 and "web.session_revoke" in await audit.text()


async def test_dashboard_without_public_url_says_so(services, registry) -> None:  # type: ignore[no-untyped-def]
    services.settings = replace(services.settings, web=WebSettings())
    reply = await Chat(CommandRouter(services, registry), ANA).say("dashboard")
    assert reply.error and "public_url" in reply.text


async def test_pages_speak_the_members_language(chat, web_client) -> None:  # type: ignore[no-untyped-def]
    await ok(chat(ANA), "lang fr")
    reply = await ok(chat(ANA), "dashboard")
    assert "ouvrir le tableau de bord" in reply.text
    await sign_in(chat, web_client, ANA)
    page = await (await web_client.get("/app/")).text()
    assert '<html lang="fr">' in page and "Campagnes" in page and "Se déconnecter" in page


async def test_on_teams_the_link_is_given_only_in_the_personal_chat(router) -> None:  # type: ignore[no-untyped-def]
    teams = actor(ANA, platform="teams")
    in_channel = await router.handle(Invocation(actor=teams, text="dashboard",
                                                channel=ConversationRef("teams", "local", "19:team-channel")))
    assert in_channel.error and "personal chat" in in_channel.text and "/app/signin/" not in in_channel.text
    personal = await router.handle(Invocation(actor=teams, text="dashboard"))
    assert not personal.error and "/app/signin/" in personal.text
