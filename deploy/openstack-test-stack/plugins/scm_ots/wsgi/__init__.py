"""gunicorn entry points: `scm_ots.wsgi.<service>:application`.

Each module resets sys.argv before the service parses its configuration, else oslo.config
parses gunicorn's own arguments.  The configuration directory comes from OTS_CONFIG_DIR
(set by scripts/openstack-test-stack).
"""

import os
import sys


def reset_argv(prog, *config_files):
    """sys.argv = [prog, --config-file f ...]; returns the config directory."""
    conf_dir = os.environ["OTS_CONFIG_DIR"]
    argv = [prog]
    for name in config_files:
        argv += ["--config-file", os.path.join(conf_dir, name)]
    sys.argv = argv
    return conf_dir
