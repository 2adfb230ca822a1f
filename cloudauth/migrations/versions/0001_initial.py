"""initial schema, roles, permissions and the admin superuser

Revision ID: 0001
Revises:
Create Date: 2026-11-24 11:56:23.600542
"""

import datetime as dt
import uuid

import sqlalchemy as sa
from alembic import op
from argon2 import PasswordHasher

# InnoDB (Galera needs it), utf8mb4, binary collation: comparisons behave as on SQLite.
TABLE_OPTIONS = {
    "mysql_engine": "InnoDB",
    "mysql_charset": "utf8mb4",
    "mysql_collate": "utf8mb4_bin",
}


revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


PERMISSIONS = [
    # name, object_type, description
    ("view_user", "user", "View users"),
    ("create_user", "user", "Create users"),
    ("update_user", "user", "Change a user's name, email, status or owner"),
    ("set_password", "user", "Set another user's password"),
    ("manage_role", "role", "View roles and permissions; change role membership"),
    ("view_api_key", "api_key", "View a user's API key (never the secret)"),
    ("manage_api_key", "api_key", "Create or delete a user's API key and secret"),
    ("set_api_key", "api_key", "Install a known API key and secret for a user"),
    ("view_system_account", "system_account", "View users' system accounts"),
    ("manage_system_account", "system_account", "Register or remove users' system accounts"),
    ("manage_cloud_controller", "cloud_controller", "Register and change cloud controllers"),
    ("revoke_token", "token", "Revoke a user's tokens"),
    ("view_audit", "audit", "Read the audit log"),
]

ROLES = [
    # name, scope, description, permissions (None: all)
    ("superuser", "all", "Full visibility and authority over all users and resources", None),
    (
        "cloudcontroller_admin",
        "all",
        "The account the Cloud Controller uses",
        ["view_user", "view_system_account", "manage_system_account"],
    ),
    (
        "cloudaccountant_admin",
        "all",
        "The account the Cloud Accountant uses",
        ["view_user", "view_system_account"],
    ),
    (
        "account_owner",
        "managed",
        "A user who manages additional users on their account",
        [
            "view_user",
            "create_user",
            "update_user",
            "set_password",
            "view_api_key",
            "revoke_token",
            "view_system_account",
        ],
    ),
]


def seed_roles_and_admin(bind):
    meta = sa.MetaData()
    permissions = sa.Table("permissions", meta, autoload_with=bind)
    roles = sa.Table("roles", meta, autoload_with=bind)
    role_permissions = sa.Table("role_permissions", meta, autoload_with=bind)
    users = sa.Table("users", meta, autoload_with=bind)
    user_roles = sa.Table("user_roles", meta, autoload_with=bind)

    bind.execute(
        permissions.insert(),
        [{"name": n, "object_type": o, "description": d} for n, o, d in PERMISSIONS],
    )
    perm_ids = dict(bind.execute(sa.select(permissions.c.name, permissions.c.id)).all())
    for name, scope, description, granted in ROLES:
        bind.execute(roles.insert().values(name=name, scope=scope, description=description))
        role_id = bind.execute(sa.select(roles.c.id).where(roles.c.name == name)).scalar_one()
        bind.execute(
            role_permissions.insert(),
            [{"role_id": role_id, "permission_id": perm_ids[p]} for p in (granted or perm_ids)],
        )
    # The initial superuser (seed 1.4.1): admin / Penguin, a local account, flagged as still
    # having its default password so the portal forces a change.
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    admin_id = uuid.uuid4().hex
    bind.execute(
        users.insert().values(
            id=admin_id,
            username="admin",
            email="admin@localhost",
            email_key="admin@localhost",
            name="Administrator",
            password_hash=PasswordHasher().hash("Penguin"),
            default_password=True,
            active=1,
            registration_source="local",
            created_at=now,
            updated_at=now,
        )
    )
    superuser = bind.execute(sa.select(roles.c.id).where(roles.c.name == "superuser")).scalar_one()
    bind.execute(user_roles.insert().values(user_id=admin_id, role_id=superuser))


def upgrade():
    op.create_table(
        "audit_events",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("event", sa.String(length=64), nullable=False),
        sa.Column("actor_userid", sa.String(length=32), nullable=True),
        sa.Column("subject_userid", sa.String(length=32), nullable=True),
        sa.Column("client_addr", sa.String(length=64), nullable=True),
        sa.Column("detail", sa.String(length=1024), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
        **TABLE_OPTIONS,
    )
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_events_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_events_event"), ["event"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_audit_events_subject_userid"), ["subject_userid"], unique=False
        )

    op.create_table(
        "cloud_controllers",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("description", sa.String(length=1024), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cloud_controllers")),
        sa.UniqueConstraint("name", name=op.f("uq_cloud_controllers_name")),
        **TABLE_OPTIONS,
    )
    op.create_table(
        "permissions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("description", sa.String(length=255), nullable=False),
        sa.Column("object_type", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_permissions")),
        sa.UniqueConstraint("name", name=op.f("uq_permissions_name")),
        **TABLE_OPTIONS,
    )
    op.create_table(
        "roles",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("description", sa.String(length=255), nullable=False),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_roles")),
        sa.UniqueConstraint("name", name=op.f("uq_roles_name")),
        **TABLE_OPTIONS,
    )
    op.create_table(
        "users",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("username", sa.String(length=255), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("email_key", sa.String(length=254), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=True),
        sa.Column("default_password", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Integer(), nullable=False),
        sa.Column("owner_userid", sa.String(length=32), nullable=True),
        sa.Column("registration_source", sa.String(length=32), nullable=False),
        sa.Column("ldap_uid", sa.String(length=255), nullable=True),
        sa.Column("sso_identity", sa.String(length=255), nullable=True),
        sa.Column("api_key", sa.String(length=128), nullable=True),
        sa.Column("api_secret_encrypted", sa.String(length=512), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_userid"], ["users.id"], name=op.f("fk_users_owner_userid_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("api_key", name=op.f("uq_users_api_key")),
        sa.UniqueConstraint("email_key", name=op.f("uq_users_email_key")),
        sa.UniqueConstraint("ldap_uid", name=op.f("uq_users_ldap_uid")),
        sa.UniqueConstraint("sso_identity", name=op.f("uq_users_sso_identity")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
        **TABLE_OPTIONS,
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_users_owner_userid"), ["owner_userid"], unique=False)

    op.create_table(
        "role_permissions",
        sa.Column("role_id", sa.Integer(), nullable=False),
        sa.Column("permission_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["permission_id"],
            ["permissions.id"],
            name=op.f("fk_role_permissions_permission_id_permissions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["role_id"],
            ["roles.id"],
            name=op.f("fk_role_permissions_role_id_roles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("role_id", "permission_id", name=op.f("pk_role_permissions")),
        **TABLE_OPTIONS,
    )
    op.create_table(
        "system_accounts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("uuid", sa.String(length=64), nullable=False),
        sa.Column("cloud_controller_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["cloud_controller_id"],
            ["cloud_controllers.id"],
            name=op.f("fk_system_accounts_cloud_controller_id_cloud_controllers"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_system_accounts_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_system_accounts")),
        sa.UniqueConstraint("cloud_controller_id", "user_id", name="uq_system_accounts_cc_user"),
        sa.UniqueConstraint(
            "cloud_controller_id", "username", name="uq_system_accounts_cc_username"
        ),
        **TABLE_OPTIONS,
    )
    with op.batch_alter_table("system_accounts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_system_accounts_user_id"), ["user_id"], unique=False)

    op.create_table(
        "tokens",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("client_addr", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_tokens_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_tokens_token_hash")),
        **TABLE_OPTIONS,
    )
    with op.batch_alter_table("tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tokens_expires_at"), ["expires_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_tokens_user_id"), ["user_id"], unique=False)

    op.create_table(
        "user_roles",
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("role_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["role_id"], ["roles.id"], name=op.f("fk_user_roles_role_id_roles"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_user_roles_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", "role_id", name=op.f("pk_user_roles")),
        **TABLE_OPTIONS,
    )

    seed_roles_and_admin(op.get_bind())


def downgrade():
    op.drop_table("user_roles")
    with op.batch_alter_table("tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tokens_user_id"))
        batch_op.drop_index(batch_op.f("ix_tokens_expires_at"))

    op.drop_table("tokens")
    with op.batch_alter_table("system_accounts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_system_accounts_user_id"))

    op.drop_table("system_accounts")
    op.drop_table("role_permissions")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_users_owner_userid"))

    op.drop_table("users")
    op.drop_table("roles")
    op.drop_table("permissions")
    op.drop_table("cloud_controllers")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_events_subject_userid"))
        batch_op.drop_index(batch_op.f("ix_audit_events_event"))
        batch_op.drop_index(batch_op.f("ix_audit_events_at"))

    op.drop_table("audit_events")
