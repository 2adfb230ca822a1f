import os

from scm_ots.wsgi import reset_argv

os.environ["OS_KEYSTONE_CONFIG_DIR"] = reset_argv("keystone-wsgi-public")
os.environ["OS_KEYSTONE_CONFIG_FILES"] = "keystone.conf"

from keystone.wsgi.api import application  # noqa: F401
