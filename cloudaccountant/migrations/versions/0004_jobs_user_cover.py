"""jobs: the per-user index covers what a job report reads

A report for an account owner's users (bench/reports_bench.py: 100 users' year of 10,000 jobs
among a million) read each job's row through ``ix_jobs_user_ended`` (cloud_auth_userid,
ended_at): 10,000 random primary-key lookups, from disk once the table outgrows the buffer
pool (2.2 s p50). With ``started_at``, ``cores``, ``gpus``, ``core_seconds`` and
``cloud_controller_id`` in the index, the report grouped by user (or by controller, or not
grouped) reads the index alone, one contiguous range per user. Same name, same leading
columns: every reader of the old index (the API's listings, the FORCE INDEX hints) keeps it.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03 20:30:00
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

COVERED = ["cloud_auth_userid", "ended_at", "started_at", "cores", "gpus", "core_seconds",
           "cloud_controller_id"]  # fmt: skip


def upgrade():
    op.drop_index("ix_jobs_user_ended", table_name="jobs")
    op.create_index("ix_jobs_user_ended", "jobs", COVERED)


def downgrade():
    op.drop_index("ix_jobs_user_ended", table_name="jobs")
    op.create_index("ix_jobs_user_ended", "jobs", ["cloud_auth_userid", "ended_at"])
