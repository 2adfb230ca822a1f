"""Alembic, once per app: each app has ``<app>/migrations`` and its own version table."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Engine


def alembic_config(package: str, url: str | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", f"{package}:migrations")
    cfg.set_main_option("version_table", f"alembic_version_{package}")
    if url:
        cfg.set_main_option("sqlalchemy.url", url)
    return cfg


def upgrade(package: str, engine: Engine, revision: str = "heads") -> None:
    cfg = alembic_config(package)
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)


def current_revision(package: str, engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"version_table": f"alembic_version_{package}"}
        )
        heads = context.get_current_heads()
        return ",".join(sorted(heads)) or None


def head_revision(package: str) -> str:
    """The newest revision of the app's migrations (as ``current_revision`` spells it)."""
    from alembic.script import ScriptDirectory

    return ",".join(sorted(ScriptDirectory.from_config(alembic_config(package)).get_heads()))


def run_env(context, target_metadata) -> None:
    """The body of every app's ``migrations/env.py``."""
    from sqlalchemy import engine_from_config, pool

    cfg = context.config
    version_table = cfg.get_main_option("version_table")
    connection = cfg.attributes.get("connection")
    opts = {
        "target_metadata": target_metadata,
        "version_table": version_table,
        "render_as_batch": True,  # SQLite needs batch mode for ALTERs
        "compare_type": True,
    }
    if connection is not None:
        context.configure(connection=connection, **opts)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = engine_from_config(
        cfg.get_section(cfg.config_ini_section, {}), prefix="sqlalchemy.", poolclass=pool.NullPool
    )
    with engine.connect() as conn:
        context.configure(connection=conn, **opts)
        with context.begin_transaction():
            context.run_migrations()
