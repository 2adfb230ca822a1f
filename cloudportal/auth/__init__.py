"""Log in, log out, the forced password change of a first login with a default password, and
the first-login setup of directory (LDAP) and SSO users (``provision``)."""


def includeme(config):
    config.include("pyramid_services")
    config.include(".provision")
    config.scan(".views")
