"""The LDAP directory both Cloud Auth (logins) and the Cloud Controller (``users.driver = ldap``
system names) ask: the ``ldap.*`` settings (seed 1.7.4, 1.8.3), its interface and the ldap3
driver. A mechanism: which users may log in or get accounts is each app's to decide."""
