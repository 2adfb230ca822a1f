from alembic import context

from common.migrations import run_env
from cloudauth.models import Base

run_env(context, Base.metadata)
