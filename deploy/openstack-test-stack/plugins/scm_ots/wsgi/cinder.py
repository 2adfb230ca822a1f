from scm_ots.wsgi import reset_argv

# cinder parses sys.argv[1:] itself
reset_argv("cinder-api", "cinder.conf")

from cinder.wsgi.api import application  # noqa: E402,F401
