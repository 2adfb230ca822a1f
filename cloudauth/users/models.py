from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cloudauth.meta import Base
from common.models import utcnow


def new_userid() -> str:
    return uuid.uuid4().hex


class User(Base):
    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_userid)
    # Login name for local accounts (the superuser is "admin"); LDAP users log in by uid.
    username: Mapped[str | None] = mapped_column(String(255), unique=True)
    email: Mapped[str] = mapped_column(String(254))
    # Lower-cased email: uniqueness is case-insensitive on every database.
    email_key: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(255), default="")
    password_hash: Mapped[str | None] = mapped_column(String(255))
    default_password: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[int] = mapped_column(Integer, default=1)
    owner_userid: Mapped[str | None] = mapped_column(ForeignKey("users.id"), index=True)
    registration_source: Mapped[str] = mapped_column(String(32), default="local")
    ldap_uid: Mapped[str | None] = mapped_column(String(255), unique=True)
    sso_identity: Mapped[str | None] = mapped_column(String(255), unique=True)
    api_key: Mapped[str | None] = mapped_column(String(128), unique=True)
    api_secret_encrypted: Mapped[str | None] = mapped_column(String(512))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    roles = relationship("Role", secondary="user_roles", lazy="selectin", back_populates="members")
    system_accounts = relationship(
        "SystemAccount", lazy="selectin", back_populates="user", order_by="SystemAccount.id"
    )

    @property
    def is_local(self) -> bool:
        return self.registration_source not in ("ldap", "sso")

    @property
    def role_names(self) -> list[str]:
        return sorted(role.name for role in self.roles)
