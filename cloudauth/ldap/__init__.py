"""The directory (LDAP) logins are checked against, when ``ldap.hosts`` is set; the ldap3 driver
lives in ``common.ldap.directory``."""


def includeme(config):
    ldap = config.registry["scm.settings"].ldap
    if ldap is None:
        return
    # Imported only when configured: ldap3 is not loaded by installations without a directory.
    from common.ldap.directory import directory_from_settings

    config.registry["scm.directory"] = directory_from_settings(ldap)
