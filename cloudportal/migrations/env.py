from alembic import context

from cloudportal.models import Base
from common.migrations import run_env

run_env(context, Base.metadata)
