"""one-time Scyld Cloud Workstation sign-in tokens; the verify_scw_token permission and the
scw_admin role that holds it (seed 1.8.9)

Revision ID: 0002_scw
Revises: 0001
Create Date: 2026-12-03 22:30:00
"""

import sqlalchemy as sa
from alembic import op

TABLE_OPTIONS = {
    "mysql_engine": "InnoDB",
    "mysql_charset": "utf8mb4",
    "mysql_collate": "utf8mb4_bin",
}

revision = "0002_scw"
down_revision = "0002_masquerade"
branch_labels = None
depends_on = None

PERMISSION = ("verify_scw_token", "token", "Check (and so use up) a one-time SCW sign-in token")
ROLE = ("scw_admin", "all", "The account Scyld Cloud Workstation nodes use to check sign-ins")


def upgrade():
    op.create_table(
        "scw_tokens",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("service_url", sa.String(length=1024), nullable=False),
        sa.Column("cloud_controller_id", sa.Integer(), nullable=True),
        sa.Column("server_instance_id", sa.String(length=64), nullable=True),
        sa.Column("client_addr", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.Column("used_by", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_scw_tokens_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scw_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_scw_tokens_token_hash")),
        **TABLE_OPTIONS,
    )
    with op.batch_alter_table("scw_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_scw_tokens_expires_at"), ["expires_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_scw_tokens_user_id"), ["user_id"], unique=False)

    bind = op.get_bind()
    meta = sa.MetaData()
    permissions = sa.Table("permissions", meta, autoload_with=bind)
    roles = sa.Table("roles", meta, autoload_with=bind)
    role_permissions = sa.Table("role_permissions", meta, autoload_with=bind)
    name, object_type, description = PERMISSION
    bind.execute(
        permissions.insert().values(name=name, object_type=object_type, description=description)
    )
    perm_id = bind.execute(
        sa.select(permissions.c.id).where(permissions.c.name == name)
    ).scalar_one()
    role_name, scope, role_description = ROLE
    bind.execute(roles.insert().values(name=role_name, scope=scope, description=role_description))
    # The superuser holds every permission, this one included; the new role holds only this.
    for holder in ("superuser", role_name):
        role_id = bind.execute(sa.select(roles.c.id).where(roles.c.name == holder)).scalar_one()
        bind.execute(role_permissions.insert().values(role_id=role_id, permission_id=perm_id))


def downgrade():
    bind = op.get_bind()
    meta = sa.MetaData()
    permissions = sa.Table("permissions", meta, autoload_with=bind)
    roles = sa.Table("roles", meta, autoload_with=bind)
    role_permissions = sa.Table("role_permissions", meta, autoload_with=bind)
    user_roles = sa.Table("user_roles", meta, autoload_with=bind)
    perm_id = bind.execute(
        sa.select(permissions.c.id).where(permissions.c.name == PERMISSION[0])
    ).scalar_one_or_none()
    role_id = bind.execute(
        sa.select(roles.c.id).where(roles.c.name == ROLE[0])
    ).scalar_one_or_none()
    if perm_id is not None:
        bind.execute(role_permissions.delete().where(role_permissions.c.permission_id == perm_id))
        bind.execute(permissions.delete().where(permissions.c.id == perm_id))
    if role_id is not None:
        bind.execute(role_permissions.delete().where(role_permissions.c.role_id == role_id))
        bind.execute(user_roles.delete().where(user_roles.c.role_id == role_id))
        bind.execute(roles.delete().where(roles.c.id == role_id))
    with op.batch_alter_table("scw_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_scw_tokens_user_id"))
        batch_op.drop_index(batch_op.f("ix_scw_tokens_expires_at"))
    op.drop_table("scw_tokens")
