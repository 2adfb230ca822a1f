"""What the OpenStack simulator holds, read over its real Nova, Cinder and Neutron APIs with the
client libraries (not the controller's database): SCM's resources grouped by the SCM instance
each one is marked with (cloudcontroller/openstack/interfaces.py lists the marks)."""

from __future__ import annotations

from collections import defaultdict

from cinderclient import client as cinder_client
from keystoneauth1 import session as ks_session
from keystoneauth1.identity import v3
from neutronclient.v2_0 import client as neutron_client
from novaclient import client as nova_client

MARK = "scm:"


def scm_resources(auth_url: str, password: str, project: str = "scm") -> dict[str, dict]:
    """{instance uuid: {"servers": [...], "volumes": [...], "floating_ips": [...]}} of every
    SCM-marked resource in every project; unmarked ones under the key "".
    Servers being deleted still count: a leak is a leak until it is gone."""
    auth = v3.Password(
        auth_url=auth_url,
        username="admin",
        password=password,
        project_name=project,
        user_domain_name="Default",
        project_domain_name="Default",
    )
    sess = ks_session.Session(auth=auth, timeout=30)
    nova = nova_client.Client("2.1", session=sess)
    cinder = cinder_client.Client("3.0", session=sess)
    neutron = neutron_client.Client(session=sess)
    found: dict[str, dict] = defaultdict(lambda: {"servers": [], "volumes": [], "floating_ips": []})
    for server in nova.servers.list(search_opts={"all_tenants": 1}):
        found[server.metadata.get("scm_instance_uuid", "")]["servers"].append(server.id)
    for volume in cinder.volumes.list(search_opts={"all_tenants": 1}):
        found[volume.metadata.get("scm_instance_uuid", "")]["volumes"].append(volume.id)
    for fip in neutron.list_floatingips()["floatingips"]:
        desc = fip.get("description") or ""
        owner = desc[len(MARK) :] if desc.startswith(MARK) else ""
        found[owner]["floating_ips"].append(fip["id"])
    return dict(found)
