import os
import sys

from scm_ots.wsgi import reset_argv

os.environ["OS_NOVA_CONFIG_DIR"] = reset_argv("nova-api")
# nova loads its paste pipeline from the first file of the list
os.environ["OS_NOVA_CONFIG_FILES"] = ";".join(
    [os.path.join(sys.prefix, "etc", "nova", "api-paste.ini"), "nova.conf"]
)

from nova.wsgi.osapi_compute import application  # noqa: F401
