"""Cloud Auth users: create, read, change, list; what each caller may see of them."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cloudauth.audit.services import AuditLog
from cloudauth.authz import Caller
from cloudauth.passwords import check_new_password, hash_password, verify_password
from cloudauth.roles.models import Role
from cloudauth.tokenstore.services import TokenRevocation
from cloudauth.users.models import User
from common.errors import BadRequest, Conflict, NotFound

EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,189}$")
REGISTRATION_SOURCES = frozenset({"local", "api", "ldap", "sso", "portal", "whitelist"})


def normalise_email(email: str) -> tuple[str, str]:
    email = (email or "").strip()
    if not EMAIL.match(email) or len(email) > 254:
        raise BadRequest(f"email {email!r} is not a valid address")
    return email, email.lower()


def user_json(user: User, caller: Caller | None, owned_count: int | None = None) -> dict:
    body = {
        "id": user.id,
        "email": user.email,
        "name": user.name,
        "active": user.active,
        "owner_userid": user.owner_userid or "",
        "system_accounts": [a.to_json() for a in user.system_accounts],
    }
    if user.username:
        body["username"] = user.username
    if user.ldap_uid:
        # the directory account behind this user: the controller's ldap driver derives the
        # system name from it (issue 16, item 1)
        body["ldap_uid"] = user.ldap_uid
    if caller is not None and (caller.is_superuser or caller.id == user.id):
        body["default_password"] = user.default_password
    if caller is not None and caller.is_superuser:
        body["api_key"] = user.api_key or ""
        body["num_owned_accounts"] = owned_count or 0
        body["roles"] = user.role_names
        body["registration_source"] = user.registration_source
    return body


@dataclass(frozen=True)
class UserQuery:
    owner_userid: str | None = None
    show_inactive: bool = False
    registration_source: str | None = None
    email: str | None = None
    offset: int = 0
    limit: int = 1000
    # Superuser lists (issue 12): a case-insensitive substring of email, name or login name,
    # and a sort column of USER_SORTS; absent, the order is creation order as before.
    search: str | None = None
    sort: str | None = None
    descending: bool = False
    userids: tuple[str, ...] = ()  # only these users (a page of nodes names its owners)


# The columns a user list may be sorted by; ties are broken by the id, so pages never overlap.
USER_SORTS = {
    "email": User.email_key,
    "name": User.name,
    "created": User.created_at,
    "active": User.active,
    "registration_source": User.registration_source,
}


def _like(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class UserService:
    """Users and their passwords. A change that alters what a user's tokens may do drops their
    cached token checks (or revokes the tokens) through ``revocation``; changes made for a caller
    are written to ``audit``. ``caller`` None means Cloud Auth itself (a first LDAP or SSO login,
    a console script, a service account)."""

    def __init__(
        self,
        db: Session,
        revocation: TokenRevocation,
        audit: AuditLog,
        default_user_role: str | None = None,
    ):
        self.db, self.revocation, self.audit = db, revocation, audit
        self.default_roles = (default_user_role,) if default_user_role else ()

    # -- reading -------------------------------------------------------------------------------

    def get_user(self, userid: str) -> User:
        user = self.db.get(User, userid) if userid and len(userid) <= 32 else None
        if user is None:
            raise NotFound(f"no user {userid}")
        return user

    def find_by_login(self, login: str) -> User | None:
        """A user by login name or email, case-insensitively."""
        login = login.strip()
        user = self.db.scalar(select(User).where(User.username == login))
        return user or self.db.scalar(select(User).where(User.email_key == login.lower()))

    def find_by_ldap_uid(self, uid: str) -> User | None:
        return self.db.scalar(select(User).where(User.ldap_uid == uid))

    def find_by_sso_identity(self, identity: str) -> User | None:
        return self.db.scalar(select(User).where(User.sso_identity == identity))

    def owned_counts(self, userids: list[str]) -> dict[str, int]:
        if not userids:
            return {}
        rows = self.db.execute(
            select(User.owner_userid, func.count())
            .where(User.owner_userid.in_(userids))
            .group_by(User.owner_userid)
        )
        return dict(rows.all())

    def list_users(self, caller: Caller, query: UserQuery) -> tuple[int, list[User]]:
        stmt = select(User)
        if not caller.sees_all("view_user"):
            # An account owner sees their managed users and themself; nobody else.
            stmt = stmt.where((User.owner_userid == caller.id) | (User.id == caller.id))
        if query.owner_userid:
            stmt = stmt.where(User.owner_userid == query.owner_userid)
        if not query.show_inactive:
            stmt = stmt.where(User.active > 0)
        if query.registration_source:
            if not caller.is_superuser:
                raise BadRequest("only the superuser may filter by registration_source")
            stmt = stmt.where(User.registration_source == query.registration_source)
        if query.email:
            stmt = stmt.where(User.email_key == query.email.strip().lower())
        if query.userids:
            stmt = stmt.where(User.id.in_(query.userids))
        if query.search and query.search.strip():
            pattern = _like(query.search.strip())
            stmt = stmt.where(
                User.email_key.like(pattern, escape="\\")
                | func.lower(User.name).like(pattern, escape="\\")
                | func.lower(func.coalesce(User.username, "")).like(pattern, escape="\\")
            )
        total = self.db.scalar(select(func.count()).select_from(stmt.subquery()))
        if query.sort:
            if query.sort not in USER_SORTS:
                raise BadRequest(f"sort must be one of {', '.join(sorted(USER_SORTS))}")
            column = USER_SORTS[query.sort]
            order = (column.desc(), User.id.desc()) if query.descending else (column, User.id)
        else:
            order = (User.created_at, User.id)
        users = self.db.scalars(stmt.order_by(*order).offset(query.offset).limit(query.limit))
        return total, list(users)

    # -- changing ------------------------------------------------------------------------------

    def create_user(
        self,
        caller: Caller | None,
        *,
        email: str,
        name: str = "",
        password: str | None = None,
        owner_userid: str | None = None,
        registration_source: str = "api",
        username: str | None = None,
        with_default_role: bool = False,
        ldap_uid: str | None = None,
        sso_identity: str | None = None,
        active: int | None = None,
    ) -> User:
        """Create a user (with ``default_user_role`` when asked and one is set). A caller's
        creation is audited as ``user.created``; Cloud Auth's own is audited by what caused it."""
        email, email_key = normalise_email(email)
        if registration_source not in REGISTRATION_SOURCES:
            raise BadRequest(
                f"registration_source must be one of {', '.join(sorted(REGISTRATION_SOURCES))}"
            )
        if caller is not None and not caller.sees_all("create_user"):
            owner_userid = caller.id  # an account owner's new users are theirs
            if registration_source not in ("api", "portal"):
                raise BadRequest(
                    "only the superuser may set registration_source to " + registration_source
                )
        db = self.db
        if owner_userid:
            self.get_user(owner_userid)
        if registration_source not in ("ldap", "sso") and not password:
            raise BadRequest("password is required")
        if db.scalar(select(User.id).where(User.email_key == email_key)):
            raise Conflict(f"a user with email {email} already exists")
        if username and db.scalar(select(User.id).where(User.username == username)):
            raise Conflict(f"a user with username {username} already exists")
        user = User(
            email=email,
            email_key=email_key,
            name=(name or "").strip()[:255],
            password_hash=hash_password(check_new_password(password)) if password else None,
            owner_userid=owner_userid or None,
            registration_source=registration_source,
            username=username or None,
            ldap_uid=ldap_uid,
            sso_identity=sso_identity,
        )
        if with_default_role and self.default_roles:
            user.roles = list(db.scalars(select(Role).where(Role.name.in_(self.default_roles))))
        db.add(user)
        try:
            db.flush()
        except IntegrityError:
            raise Conflict(f"a user with email {email} already exists") from None
        if active is not None:
            user.active = active
        # The owner's cached managed-user set (read by the controllers and the accountant)
        # lacks the new user: dropped, so the owner sees the user's resources at once.
        self.revocation.forget_managed(user.owner_userid)
        if caller is not None:
            self.audit.record(
                "user.created",
                actor=caller.id,
                subject=user.id,
                detail=f"source={registration_source}",
            )
        return user

    def update_user(self, caller: Caller, user: User, changes: dict) -> User:
        """Apply ``changes`` (email, name, active, owner_userid). Deactivating a user revokes
        their tokens; any change drops their cached token checks."""
        db = self.db
        was_active = user.active
        was_owner = user.owner_userid
        if not user.is_local:
            changes = self._keep_directory_fields(user, changes)
        if "email" in changes:
            email, email_key = normalise_email(changes["email"])
            clash = db.scalar(
                select(User.id).where(User.email_key == email_key, User.id != user.id)
            )
            if clash:
                raise Conflict(f"a user with email {email} already exists")
            user.email, user.email_key = email, email_key
        if "name" in changes:
            user.name = changes["name"].strip()[:255]
        if "active" in changes:
            if user.id == caller.id:
                raise Conflict("you cannot deactivate yourself")
            user.active = changes["active"]
        if "owner_userid" in changes:
            if not caller.is_superuser:
                raise BadRequest("only the superuser may change owner_userid")
            owner = changes["owner_userid"] or None
            if owner == user.id:
                raise BadRequest("a user cannot own themself")
            if owner:
                self.get_user(owner)
            user.owner_userid = owner
        db.flush()
        if was_active and not user.active:
            self.revocation.revoke_all(user.id)
        self.revocation.forget_cached(user.id)
        if user.owner_userid != was_owner:  # both owners' managed-user sets changed
            self.revocation.forget_managed(was_owner, user.owner_userid)
        self.audit.record(
            "user.updated", actor=caller.id, subject=user.id, detail=",".join(sorted(changes))
        )
        return user

    @staticmethod
    def _keep_directory_fields(user: User, changes: dict) -> dict:
        """An LDAP or SSO user's name and email are the directory's (or the identity
        provider's): each login writes them again, so a change made here would silently come
        undone. Refused when it would change them; the same values (a client sending the whole
        record back, the email in other letter case) are left out, and the rest applies."""
        source = user.registration_source
        where = "the LDAP directory" if source == "ldap" else "the SSO identity provider"
        kept = dict(changes)
        if "email" in kept:
            try:
                _, email_key = normalise_email(kept.pop("email"))
            except BadRequest:
                email_key = None
            if email_key != user.email_key:
                raise Conflict(f"this user's email comes from {where}; change it there")
        if "name" in kept and kept.pop("name").strip()[:255] != user.name:
            raise Conflict(f"this user's name comes from {where}; change it there")
        return kept

    def set_password(
        self,
        caller: Caller | None,
        user: User,
        new: str,
        current: str | None = None,
        *,
        keep_token: str | None = None,
        note: str = "",
    ) -> int:
        """Set the password and revoke every token opened with the old one (but ``keep_token``,
        the caller's own in a self-service change); how many were revoked. Self-service changes
        need the current password; an authorised manager's do not."""
        if not user.is_local:
            raise Conflict("this user's password is kept in the directory (LDAP/SSO), not here")
        is_self = caller is not None and caller.id == user.id
        if is_self and (not current or not verify_password(user.password_hash, current)):
            raise BadRequest("current_password is wrong")
        user.password_hash = hash_password(check_new_password(new))
        user.default_password = False
        self.db.flush()
        revoked = self.revocation.revoke_all(user.id, keep=keep_token)
        self.audit.record(
            "user.password_changed",
            actor=caller.id if caller is not None else None,
            subject=user.id,
            detail=f"{note}{', ' if note else ''}{revoked} tokens revoked",
        )
        return revoked
