import os

from scm_ots.wsgi import reset_argv

os.environ["OS_PLACEMENT_CONFIG_DIR"] = reset_argv("placement-api")

from placement.wsgi.api import application  # noqa: F401
