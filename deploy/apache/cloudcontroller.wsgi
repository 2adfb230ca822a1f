"""mod_wsgi entry point for Scyld Cloud Controller.

The production cloudcontroller.ini sits next to this file (``SCM_INI`` names another). Logging is set up
from the .ini's [logger_*]/[handler_*] sections, so the JSON log lands where the .ini says
(seed 1.19.1: /var/www/wsgi/cloudcontroller/cloudcontroller.log).

Touching this file reloads the app (seed 1.15.6): in daemon mode mod_wsgi compares the file's
modification time on each request and restarts the daemon processes of this app only, which
then read the .ini and the code again. Apache itself keeps running.
"""

import os

from pyramid.paster import get_app, setup_logging

ini = os.environ.get("SCM_INI") or os.path.join(os.path.dirname(__file__), "cloudcontroller.ini")
setup_logging(ini)
application = get_app(ini, "main")
