"""Log in, log out, and the forced password change of a first login with a default password."""


def includeme(config):
    config.scan(".views")
