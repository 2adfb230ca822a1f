"""Plugins for the SCM OpenStack test stack (scripts/openstack-test-stack)."""
