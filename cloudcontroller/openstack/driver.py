"""The real OpenStack driver: keystoneauth1 + novaclient, cinderclient, glanceclient,
python-neutronclient and python-keystoneclient. The only module that imports them.

Microversions are pinned and checked against the cloud on first use (Nova 2.90: `hostname` and
`tags` on create, flavors with extra specs in one call; Cinder 3.60).
"""

from __future__ import annotations

import contextlib
import functools
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from cinderclient import api_versions as cinder_versions
from cinderclient import client as cinder_client
from glanceclient import Client as GlanceClient
from keystoneauth1 import exceptions as ks_exc
from keystoneauth1 import session as ks_session
from keystoneauth1.identity import v3
from keystoneclient.v3 import client as keystone_client
from neutronclient.common import exceptions as neutron_exc
from neutronclient.v2_0 import client as neutron_client
from novaclient import api_versions as nova_versions
from novaclient import base as nova_base
from novaclient import client as nova_client

from cloudcontroller.openstack import errors
from cloudcontroller.openstack.convert import (
    to_flavor,
    to_floating_ip,
    to_image,
    to_security_group,
    to_server,
    to_volume,
    wanted_rules,
)
from cloudcontroller.openstack.interfaces import (
    SCM_MARK_PREFIX,
    SCM_TAG,
    BootRequest,
    Flavor,
    FloatingIP,
    Image,
    KeystoneUser,
    ScmResources,
    SecurityGroup,
    Server,
    Volume,
    instance_tag,
)
from cloudcontroller.openstack.settings import OpenStackSettings

__all__ = ["OpenStackDriver", "OpenStackSettings", "translate"]

T = TypeVar("T")
# How long a network's id, looked up by name, is reused (every boot and floating IP names one):
# a network recreated under the same name is seen within this, or at once after a call with
# the old id fails.
NETWORK_ID_TTL = 60.0


def _status(exc: BaseException) -> int | None:
    for attr in ("http_status", "status_code", "code"):
        value = getattr(exc, attr, None)
        if isinstance(value, int) and value:
            return value
    return None


def _message(exc: BaseException) -> str:
    for attr in ("message", "details"):
        value = getattr(exc, attr, None)
        if isinstance(value, str) and value and value.lower() != "n/a":
            return value
    return str(exc) or type(exc).__name__


def translate(exc: BaseException) -> errors.OpenStackError:
    """One client-library exception -> the domain error that means the same."""
    if isinstance(exc, errors.OpenStackError):
        return exc
    message = _message(exc)
    if isinstance(exc, neutron_exc.IpAddressGenerationFailureClient):
        return errors.FloatingIPPoolExhausted(message, status=409)
    if isinstance(exc, ks_exc.Unauthorized | ks_exc.AuthorizationFailure):
        return errors.AuthenticationFailed(message, status=401)
    if isinstance(
        exc,
        ks_exc.ConnectionError | ks_exc.DiscoveryFailure | ks_exc.EndpointNotFound,
    ):
        return errors.OpenStackUnavailable(message)
    status = _status(exc)
    if status == 401:
        return errors.AuthenticationFailed(message, status=status)
    if status == 404:
        return errors.NotFound(message, status=status)
    if status == 409:
        return errors.Conflict(message, status=status)
    if status in (413, 429) or (status == 403 and "quota" in message.lower()):
        return errors.QuotaOrCapacity(message, status=status)
    if status in (400, 403, 406):
        return errors.BadRequest(message, status=status)
    if status is None or status >= 500:
        return errors.OpenStackUnavailable(message, status=status)
    return errors.OpenStackError(message, status=status)


def translated(func: Callable[..., T]) -> Callable[..., T]:
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> T:
        try:
            return func(*args, **kwargs)
        except errors.OpenStackError:
            raise
        except Exception as exc:
            raise translate(exc) from exc

    return wrapper


def _networks_checked(method: Callable[..., T]) -> Callable[..., T]:
    """Around a driver call that uses network ids: when it fails, they are looked up again."""

    @functools.wraps(method)
    def wrapper(self, *args: Any, **kwargs: Any) -> T:
        try:
            return method(self, *args, **kwargs)
        except BaseException:
            self._network_ids.clear()
            raise

    return wrapper


def _ignore_missing(call: Callable[[], Any]) -> None:
    try:
        call()
    except Exception as exc:
        if not isinstance(translate(exc), errors.NotFound):
            raise


def _no_completion_cache(cache_type, obj_class, mode):
    return contextlib.nullcontext()


def _without_completion_cache(nova) -> None:
    """novaclient opens a shell-completion cache under ``~/.novaclient`` on every listing and
    create, whatever ``os_cache`` says (``Manager.completion_cache``); a service writes only
    where its settings say, so each manager of this client gets a cache that writes nothing."""
    for manager in vars(nova).values():
        if isinstance(manager, nova_base.Manager):
            manager.completion_cache = _no_completion_cache


class OpenStackDriver:
    """`interfaces.OpenStack` over the real client libraries. Builds its clients lazily (the
    constructor never touches the network) and reuses one keystoneauth session."""

    def __init__(self, settings: OpenStackSettings):
        self.settings = settings
        self._lock = threading.Lock()
        self._clients: dict[str, Any] | None = None
        self._network_ids: dict[str, tuple[str, float]] = {}  # name: (id, when looked up)

    # -- plumbing -----------------------------------------------------------------------------
    def _build(self) -> dict[str, Any]:
        s = self.settings
        auth = v3.Password(
            auth_url=s.auth_url,
            username=s.username,
            password=s.password,
            project_name=s.project_name,
            user_domain_name=s.user_domain_name,
            project_domain_name=s.project_domain_name,
        )
        sess = ks_session.Session(auth=auth, timeout=s.timeout, verify=s.verify)
        common = {"session": sess, "region_name": s.region_name}
        wanted = nova_versions.APIVersion(s.nova_microversion)
        try:
            nova = nova_client.Client(wanted, endpoint_type=s.interface, **common)
            _without_completion_cache(nova)
            nova_versions.discover_version(nova, wanted)
        except Exception as exc:
            if type(exc).__name__ == "UnsupportedVersion":
                raise errors.UnsupportedCloud(str(exc)) from exc
            raise
        cinder = cinder_client.Client(
            s.cinder_microversion, endpoint_type=s.interface, interface=s.interface, **common
        )
        highest = cinder_versions.get_highest_version(cinder)
        if cinder_versions.APIVersion(s.cinder_microversion) > highest:
            raise errors.UnsupportedCloud(
                f"Cinder offers up to {highest.get_string()}, SCM needs {s.cinder_microversion}"
            )
        return {
            "session": sess,
            "nova": nova,
            "cinder": cinder,
            "glance": GlanceClient("2", interface=s.interface, **common),
            "neutron": neutron_client.Client(interface=s.interface, **common),
            "keystone": keystone_client.Client(interface=s.interface, **common),
        }

    def _client(self, name: str) -> Any:
        with self._lock:
            if self._clients is None:
                try:
                    self._clients = self._build()
                except errors.OpenStackError:
                    raise
                except Exception as exc:
                    raise translate(exc) from exc
            return self._clients[name]

    @property
    def nova(self) -> Any:
        return self._client("nova")

    @property
    def cinder(self) -> Any:
        return self._client("cinder")

    @property
    def glance(self) -> Any:
        return self._client("glance")

    @property
    def neutron(self) -> Any:
        return self._client("neutron")

    @property
    def keystone(self) -> Any:
        return self._client("keystone")

    @translated
    def check(self) -> dict[str, str]:
        """Authenticate and negotiate; returns the microversions in use."""
        self._client("session")
        return {
            "compute": self.nova.api_version.get_string(),
            "volume": self.cinder.api_version.get_string(),
        }

    # -- flavors and images -------------------------------------------------------------------
    @translated
    def list_flavors(self) -> list[Flavor]:
        return [to_flavor(f.to_dict()) for f in self.nova.flavors.list(detailed=True)]

    @translated
    def get_flavor(self, flavor_ref: str) -> Flavor:
        try:
            return to_flavor(self.nova.flavors.get(flavor_ref).to_dict())
        except Exception as exc:
            if not isinstance(translate(exc), errors.NotFound):
                raise
        named = [f for f in self.list_flavors() if f.name == flavor_ref]
        if len(named) != 1:
            raise errors.NotFound(f"No flavor with id or unique name {flavor_ref!r}", status=404)
        return named[0]

    @translated
    def list_images(self, properties: Mapping[str, str] | None = None) -> list[Image]:
        filters = {k: str(v) for k, v in (properties or {}).items()}
        return [to_image(dict(i)) for i in self.glance.images.list(filters=filters)]

    @translated
    def get_image(self, image_id: str) -> Image:
        return to_image(dict(self.glance.images.get(image_id)))

    # -- volumes ------------------------------------------------------------------------------
    @translated
    def create_volume_from_image(
        self,
        scm_instance_uuid: str,
        image_id: str,
        size_gb: int,
        name: str,
        metadata: Mapping[str, str] | None = None,
    ) -> Volume:
        meta = {**(metadata or {}), "scm_managed": "true", "scm_instance_uuid": scm_instance_uuid}
        volume = self.cinder.volumes.create(
            size=size_gb, name=name, imageRef=image_id, metadata=meta
        )
        return to_volume(volume.to_dict())

    @translated
    def get_volume(self, volume_id: str) -> Volume:
        return to_volume(self.cinder.volumes.get(volume_id).to_dict())

    @translated
    def extend_volume(self, volume_id: str, new_size_gb: int) -> None:
        volume = self.get_volume(volume_id)
        if volume.size_gb >= new_size_gb:
            return
        if volume.status != "available":
            raise errors.Conflict(
                f"Volume {volume_id} is {volume.status}; it must be available to extend",
                status=409,
            )
        self.cinder.volumes.extend(volume_id, new_size_gb)

    @translated
    def delete_volume(self, volume_id: str) -> None:
        try:
            self.cinder.volumes.delete(volume_id)
        except Exception as exc:
            err = translate(exc)
            if isinstance(err, errors.NotFound):
                return
            if isinstance(err, errors.BadRequest):
                # Cinder answers 400 for "in use"; the state says which it was.
                volume = self.get_volume(volume_id)
                if volume.attached_server_ids or volume.status not in ("available", "error"):
                    raise errors.Conflict(err.detail, status=err.status) from exc
            raise

    @translated
    def list_volumes(self, scm_only: bool = True) -> list[Volume]:
        opts = {"metadata": {"scm_managed": "true"}} if scm_only else {}
        volumes = [to_volume(v.to_dict()) for v in self.cinder.volumes.list(search_opts=opts)]
        if scm_only:  # do not trust every cloud to filter on metadata
            volumes = [v for v in volumes if v.metadata.get("scm_managed") == "true"]
        return volumes

    # -- servers ------------------------------------------------------------------------------
    def _network_id(self, name: str) -> str:
        cached = self._network_ids.get(name)
        if cached is not None and time.monotonic() - cached[1] < NETWORK_ID_TTL:
            return cached[0]
        found = self.neutron.list_networks(name=name)["networks"]
        if not found:
            raise errors.NotFound(f"No network named {name!r}", status=404)
        if len(found) > 1:
            raise errors.Conflict(f"Several networks are named {name!r}", status=409)
        self._network_ids[name] = (found[0]["id"], time.monotonic())
        return found[0]["id"]

    @translated
    @_networks_checked
    def boot_server(self, request: BootRequest) -> Server:
        nics = [{"net-id": self._network_id(name)} for name in request.networks]
        meta = {**request.metadata, "scm_instance_uuid": request.scm_instance_uuid}
        bdm = [
            {
                "uuid": request.volume_id,
                "source_type": "volume",
                "destination_type": "volume",
                "boot_index": 0,
                "delete_on_termination": False,
            }
        ]
        server = self.nova.servers.create(
            name=request.name,
            image=None,
            flavor=request.flavor_id,
            meta=meta,
            security_groups=list(request.security_groups) or None,
            key_name=request.key_name,
            block_device_mapping_v2=bdm,
            nics=nics,
            tags=[SCM_TAG, instance_tag(request.scm_instance_uuid)],
            hostname=request.hostname,
        )
        return self.get_server(server.id)

    @translated
    def get_server(self, server_id: str) -> Server:
        return to_server(self.nova.servers.get(server_id).to_dict())

    @translated
    def list_servers(self) -> list[Server]:
        found = self.nova.servers.list(detailed=True, search_opts={"tags": SCM_TAG}, limit=-1)
        return [to_server(s.to_dict()) for s in found if SCM_TAG in (s.to_dict().get("tags") or [])]

    @translated
    def delete_server(self, server_id: str) -> None:
        _ignore_missing(lambda: self.nova.servers.delete(server_id))

    @translated
    def reboot_server(self, server_id: str, hard: bool = False) -> None:
        self.nova.servers.reboot(server_id, reboot_type="HARD" if hard else "SOFT")

    # -- floating IPs -------------------------------------------------------------------------
    @translated
    @_networks_checked
    def allocate_floating_ip(self, network_name: str, scm_instance_uuid: str) -> FloatingIP:
        body = {
            "floatingip": {
                "floating_network_id": self._network_id(network_name),
                "description": SCM_MARK_PREFIX + scm_instance_uuid,
            }
        }
        return to_floating_ip(self.neutron.create_floatingip(body)["floatingip"])

    @translated
    @_networks_checked
    def associate_floating_ip(
        self, floating_ip_id: str, server_id: str, network_name: str | None = None
    ) -> FloatingIP:
        ports = self.neutron.list_ports(device_id=server_id)["ports"]
        if network_name is not None:
            network_id = self._network_id(network_name)
            ports = [p for p in ports if p["network_id"] == network_id]
        if not ports:
            raise errors.NotFound(f"Server {server_id} has no port to bind to", status=404)
        port_id = ports[0]["id"]
        self.neutron.update_floatingip(floating_ip_id, {"floatingip": {"port_id": port_id}})
        fip = to_floating_ip(self.neutron.show_floatingip(floating_ip_id)["floatingip"])
        if fip.port_id != port_id:
            raise errors.FloatingIPAssociationLost(
                f"Floating IP {fip.address} did not stay bound to port {port_id}", status=409
            )
        return fip

    @translated
    def disassociate_floating_ip(self, floating_ip_id: str) -> None:
        self.neutron.update_floatingip(floating_ip_id, {"floatingip": {"port_id": None}})

    @translated
    def release_floating_ip(self, floating_ip_id: str) -> None:
        _ignore_missing(lambda: self.neutron.delete_floatingip(floating_ip_id))

    @translated
    def get_floating_ip(self, floating_ip_id: str) -> FloatingIP:
        return to_floating_ip(self.neutron.show_floatingip(floating_ip_id)["floatingip"])

    @translated
    def list_floating_ips(self, scm_only: bool = True) -> list[FloatingIP]:
        fips = [to_floating_ip(f) for f in self.neutron.list_floatingips()["floatingips"]]
        return [f for f in fips if f.scm_instance_uuid] if scm_only else fips

    # -- security groups ----------------------------------------------------------------------
    @translated
    def create_security_group(
        self,
        scm_instance_uuid: str,
        allow_rdp: bool = False,
        compute_node_cidrs: Sequence[str] = (),
    ) -> SecurityGroup:
        name = f"scm-{scm_instance_uuid}"
        found = self.neutron.list_security_groups(name=name)["security_groups"]
        if found:
            group = found[0]
        else:
            body = {
                "security_group": {"name": name, "description": SCM_MARK_PREFIX + scm_instance_uuid}
            }
            group = self.neutron.create_security_group(body)["security_group"]
        for rule in wanted_rules(allow_rdp, compute_node_cidrs):
            body = {
                "security_group_rule": {
                    **rule,
                    "security_group_id": group["id"],
                    "direction": "ingress",
                    "ethertype": "IPv4",
                }
            }
            # SecurityGroupRuleExists: converging on a group made earlier.
            with contextlib.suppress(neutron_exc.Conflict):
                self.neutron.create_security_group_rule(body)
        return to_security_group(self.neutron.show_security_group(group["id"])["security_group"])

    @translated
    def delete_security_group(self, group_id: str) -> None:
        _ignore_missing(lambda: self.neutron.delete_security_group(group_id))

    @translated
    def list_security_groups(self, scm_only: bool = True) -> list[SecurityGroup]:
        groups = [
            to_security_group(g) for g in self.neutron.list_security_groups()["security_groups"]
        ]
        return [g for g in groups if g.scm_instance_uuid] if scm_only else groups

    # -- identity -----------------------------------------------------------------------------
    def _one(self, manager: Any, kind: str, name: str, **filters: Any) -> Any:
        found = [x for x in manager.list(name=name, **filters) if x.name == name]
        if not found:
            raise errors.NotFound(f"No Keystone {kind} named {name!r}", status=404)
        return found[0]

    @translated
    def ensure_user(
        self, name: str, password: str, project_name: str, role_name: str = "member"
    ) -> KeystoneUser:
        ks = self.keystone
        domain = self._one(ks.domains, "domain", self.settings.user_domain_name)
        project = self._one(ks.projects, "project", project_name)
        role = self._one(ks.roles, "role", role_name)
        try:
            user = self._one(ks.users, "user", name, domain=domain.id)
        except errors.NotFound:
            user = ks.users.create(
                name=name, password=password, domain=domain.id, default_project=project.id
            )
        ks.roles.grant(role.id, user=user.id, project=project.id)
        roles = [r.name for r in ks.roles.list(user=user.id, project=project.id)]
        return KeystoneUser(id=user.id, name=user.name, project_id=project.id, roles=tuple(roles))

    @translated
    def delete_user(self, name: str) -> None:
        ks = self.keystone
        domain = self._one(ks.domains, "domain", self.settings.user_domain_name)
        try:
            user = self._one(ks.users, "user", name, domain=domain.id)
        except errors.NotFound:
            return
        _ignore_missing(lambda: ks.users.delete(user.id))

    # -- reconciliation -----------------------------------------------------------------------
    @translated
    def list_scm_resources(self) -> ScmResources:
        return ScmResources(
            servers=tuple(self.list_servers()),
            volumes=tuple(self.list_volumes()),
            floating_ips=tuple(self.list_floating_ips()),
            security_groups=tuple(self.list_security_groups()),
        )
