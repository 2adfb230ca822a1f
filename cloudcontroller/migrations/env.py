from alembic import context

from cloudcontroller.models import Base
from common.migrations import run_env

run_env(context, Base.metadata)
