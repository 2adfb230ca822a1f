"""SAML single sign-on through the Shibboleth SP (seed 1.8.4, 1.17): ``/sso/login``, which
Apache's mod_shib protects, and "Log in as admin" for users whose attributes match
``auth_sso.admin_attributes`` (``/sso/admin``). Both answer 404 unless ``auth_sso`` is on."""


def includeme(config):
    config.scan(".views")
