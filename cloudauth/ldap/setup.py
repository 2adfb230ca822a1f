"""Registers the directory when ``ldap.hosts`` is set; the ldap3 driver lives in directory.py."""


def includeme(config):
    ldap = config.registry["scm.settings"].ldap
    if ldap is None:
        return
    from common.ldap.directory import directory_from_settings

    config.registry["scm.directory"] = directory_from_settings(ldap)
