from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cloudauth.meta import Base
from common.models import utcnow


class CloudController(Base):
    """A registered Cloud Controller; ids are small integers (1, 2, ...)."""

    __tablename__ = "cloud_controllers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(255), unique=True)
    description: Mapped[str] = mapped_column(String(1024), default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class SystemAccount(Base):
    """A user's UNIX account on one controller: ``{id, username, uuid, cloud_controller_id}``."""

    __tablename__ = "system_accounts"
    __table_args__ = (
        UniqueConstraint("cloud_controller_id", "username", name="uq_system_accounts_cc_username"),
        UniqueConstraint("cloud_controller_id", "user_id", name="uq_system_accounts_cc_user"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    username: Mapped[str] = mapped_column(String(64))
    uuid: Mapped[str] = mapped_column(String(64))
    cloud_controller_id: Mapped[int] = mapped_column(ForeignKey("cloud_controllers.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    user = relationship("User", back_populates="system_accounts")

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "username": self.username,
            "uuid": self.uuid,
            "cloud_controller_id": self.cloud_controller_id,
        }
