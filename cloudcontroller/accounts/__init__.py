"""The floor of the controller's features: UNIX system accounts (the ``system_users`` row, uid/gid
claims, SSH keys), the local/NIS account drivers, running system commands, undo steps, lookups.
It imports no other feature; storage, groups, user storage, server-instances and the users
service above them all stand on it."""
