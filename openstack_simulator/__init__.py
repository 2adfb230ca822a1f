"""A local OpenStack (Keystone v3, Nova 2.1, Cinder v3, Glance v2, Neutron v2.0) on one port.

It speaks the real REST wire format, so the real client libraries work against it unchanged.
`make_app(path)` builds the WSGI application over a SQLite state file; `scm-openstack-sim serve`
runs it under waitress.
"""

from __future__ import annotations


def make_app(state_path: str, delays: dict[str, float] | None = None):
    """The WSGI application over `state_path`, seeded with the demo cloud when empty."""
    from openstack_simulator.app import Simulator
    from openstack_simulator.cli import open_store

    return Simulator(open_store(state_path), delays)
