import os

from scm_ots.wsgi import reset_argv

os.environ["OS_GLANCE_CONFIG_DIR"] = reset_argv("glance-api")

from glance.wsgi.api import application  # noqa: F401
