from __future__ import annotations

import datetime as dt

import pytest
import webtest
from sqlalchemy import select

from cloudauth import main
from cloudauth.passwords import hash_password
from cloudauth.roles.models import Role
from cloudauth.users.models import User

DEMO_KEY = "ZGVtby1vbmx5LWtleS1kby1ub3QtdXNlLWluLXByb2Q="


def auth_settings(url: str, **overrides) -> dict:
    settings = {
        "sqlalchemy.url": url,
        "cache.url": "memory://unused",
        "login_allowed.hosts": "127.0.0.1",
        "authenticate_allowed.hosts": "10.9.0.0/16",
        "trusted_proxies": "127.0.0.5",
        "apikey.encryption_keys": DEMO_KEY,
        "login.max_failures_per_account": "3",
        "login.max_failures_per_address": "6",
        "login.max_failing_addresses": "4",
        "token.lifetime": "1h",
        "token.cache_ttl": "60s",
        "default_user_role": "account_owner",
    }
    settings.update(overrides)
    return settings


@pytest.fixture
def make_auth_app(auth_db_url, auth_session_factory, cache, clock):
    """Build Cloud Auth with real main(), bound to the test transaction, cache and clock."""

    def build(**overrides):
        app = main({}, **auth_settings(auth_db_url, **overrides))
        app.registry["scm.dbsession_factory"] = auth_session_factory
        app.registry["scm.cache"] = cache
        app.registry["scm.clock"] = clock
        return app

    return build


@pytest.fixture
def auth_app(make_auth_app):
    return make_auth_app()


@pytest.fixture
def testapp(auth_app):
    return webtest.TestApp(auth_app, extra_environ={"REMOTE_ADDR": "127.0.0.1"})


@pytest.fixture
def db(auth_session_factory):
    session = auth_session_factory()
    yield session
    session.close()


_HASHES: dict[str, str] = {}


def _hash(password: str) -> str:
    # Argon2 is slow on purpose; the tests reuse one hash per password.
    if password not in _HASHES:
        _HASHES[password] = hash_password(password)
    return _HASHES[password]


class Users:
    """Makes users straight in the database (the API is what the tests exercise)."""

    def __init__(self, db, clock):
        self.db = db
        self.clock = clock
        self.count = 0

    def token(self, user: User, lifetime_hours: float = 1) -> dict:
        """Headers of a token issued to ``user`` without a login round trip."""
        from cloudauth.tokens.services import new_token
        from cloudauth.tokenstore.models import Token
        from common.security import token_hash

        token = new_token()
        self.db.add(
            Token(
                token_hash=token_hash(token),
                user_id=user.id,
                source="test",
                created_at=self.clock(),
                expires_at=self.clock() + dt.timedelta(hours=lifetime_hours),
            )
        )
        self.db.commit()
        return {"X-Auth-Token": token, "X-Auth-Cloudauth-Id": user.id}

    def make(self, roles=(), owner=None, password="correct horse", active=1, **kw) -> User:
        self.count += 1
        email = kw.pop("email", f"user{self.count}@example.com")
        user = User(
            email=email,
            email_key=email.lower(),
            name=kw.pop("name", f"User {self.count}"),
            password_hash=_hash(password) if password else None,
            owner_userid=owner.id if owner else None,
            active=active,
            **kw,
        )
        user.roles = list(self.db.scalars(select(Role).where(Role.name.in_(roles))))
        self.db.add(user)
        self.db.commit()
        return user

    def admin(self) -> User:
        return self.db.scalar(select(User).where(User.username == "admin"))


@pytest.fixture
def users(db, clock):
    return Users(db, clock)


def login(testapp, who: str, password: str = "correct horse") -> dict:
    """Headers of a freshly logged-in user."""
    body = testapp.post("/auth/login", {"username": who, "password": password}).json
    return {
        "X-Auth-Token": body["authentication_token"],
        "X-Auth-Cloudauth-Id": body["data"]["userid"],
    }


@pytest.fixture
def as_admin(testapp):
    return login(testapp, "admin", "Penguin")
