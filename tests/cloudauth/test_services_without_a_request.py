"""Cloud Auth's services take their collaborators, not a request: a console script, the demo
launcher or a worker builds them from a session, the cache and the clock and gets the same
behaviour the API has (issue 10, "services that do not need a request")."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from cloudauth.audit.models import AuditEvent
from cloudauth.audit.services import AuditLog
from cloudauth.roles.models import Role
from cloudauth.roles.services import RoleService
from cloudauth.tokens.services import TokenService
from cloudauth.tokenstore.services import TokenRevocation
from cloudauth.users.services import UserService


def _services(db, cache, now):
    revocation = TokenRevocation(db, cache, now)
    audit = AuditLog(db, now)  # no request: no client address
    users = UserService(db, revocation, audit, default_user_role="account_owner")
    tokens = TokenService(lambda: db, cache, now, lifetime=3600, cache_ttl=60)
    return users, tokens, RoleService(db, revocation, audit)


def test_a_password_reset_without_a_request_ends_the_sessions_and_is_audited(db, cache, clock):
    now = clock()
    users, tokens, _ = _services(db, cache, now)
    user = users.create_user(
        None, email="Script.User@example.com", password="A-first-passw0rd", with_default_role=True
    )
    assert user.role_names == ["account_owner"]
    assert users.find_by_login("script.user@EXAMPLE.com") is user
    token, expires_at = tokens.issue(user, "login", None)
    assert expires_at == now + dt.timedelta(hours=1)
    assert tokens.identity(token).userid == user.id  # now cached

    revoked = users.set_password(None, user, "A-second-passw0rd", note="console script")

    assert revoked == 1
    assert tokens.identity(token) is None  # the cached check went with the token
    event = db.scalar(
        select(AuditEvent).where(
            AuditEvent.event == "user.password_changed", AuditEvent.subject_userid == user.id
        )
    )
    assert (event.subject_userid, event.actor_userid, event.client_addr) == (user.id, None, None)
    assert event.detail == "console script, 1 tokens revoked"
    assert event.at == now
    # Cloud Auth's own creation of a user is not a caller's "user.created".
    created = select(AuditEvent).where(
        AuditEvent.event == "user.created", AuditEvent.subject_userid == user.id
    )
    assert db.scalar(created) is None


def test_a_role_change_without_a_request_applies_to_cached_checks_at_once(db, cache, clock):
    now = clock()
    users, tokens, roles = _services(db, cache, now)
    member = users.create_user(None, email="member@example.com", password="A-passw0rd-one")
    token, _ = tokens.issue(member, "login", None)
    assert tokens.identity(token).roles == frozenset()  # now cached
    role = db.scalar(select(Role).where(Role.name == "account_owner"))

    added = roles.add_members("operator-id", role, [member.id])

    assert added == [member]
    assert tokens.identity(token).roles == frozenset({"account_owner"})
    event = db.scalar(
        select(AuditEvent).where(
            AuditEvent.event == "role.member_added", AuditEvent.subject_userid == member.id
        )
    )
    assert (event.actor_userid, event.subject_userid, event.detail) == (
        "operator-id",
        member.id,
        "account_owner",
    )
