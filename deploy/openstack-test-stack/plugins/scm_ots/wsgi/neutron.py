import os

from scm_ots.wsgi import reset_argv

os.environ["OS_NEUTRON_CONFIG_DIR"] = reset_argv("neutron-api")
os.environ["OS_NEUTRON_CONFIG_FILES"] = "neutron.conf;ml2_conf.ini"

from neutron.wsgi.api import application  # noqa: F401
