"""What OpenStack says during one worker cycle: every SCM server from ONE list call, taken up
front; volumes, floating IPs and flavors from one list call each, only if a step asks; images
once each. The count of calls per cycle does not grow with the number of instances."""

from __future__ import annotations

import threading
from collections import defaultdict

from cloudcontroller.openstack import errors


class Snapshot:
    def __init__(self, openstack):
        self.openstack = openstack
        self.calls = 0
        self._lock = threading.RLock()  # the worker's threads share one snapshot
        self._servers = self._call(openstack.list_servers)
        self._by_instance: dict[str, list] = defaultdict(list)
        for server in self._servers:
            if server.scm_instance_uuid:
                self._by_instance[server.scm_instance_uuid].append(server)
        self._by_id = {s.id: s for s in self._servers}
        self._volumes: dict | None = None
        self._fips: dict | None = None
        self._flavors: dict | None = None
        self._images: dict = {}

    def _call(self, fn, *args):
        with self._lock:
            self.calls += 1
        return fn(*args)

    # -- servers ------------------------------------------------------------------------------
    def servers(self) -> list:
        return list(self._servers)

    def servers_of(self, instance_id: str) -> list:
        return list(self._by_instance.get(instance_id, ()))

    def server(self, server_id: str | None):
        return self._by_id.get(server_id) if server_id else None

    def server_gone(self, server_id: str) -> bool:
        """Confirmed with the server itself: the list may predate a boot of this cycle."""
        if server_id in self._by_id:
            return False
        try:
            self._call(self.openstack.get_server, server_id)
        except errors.NotFound:
            return True
        return False

    # -- volumes, floating IPs ----------------------------------------------------------------
    def _volume_map(self) -> dict:
        with self._lock:
            if self._volumes is None:
                self._volumes = {v.id: v for v in self._call(self.openstack.list_volumes)}
            return self._volumes

    def volume(self, volume_id: str | None):
        return self._volume_map().get(volume_id) if volume_id else None

    def volumes_of(self, instance_id: str) -> list:
        return [v for v in self._volume_map().values() if v.scm_instance_uuid == instance_id]

    def _fip_map(self) -> dict:
        with self._lock:
            if self._fips is None:
                self._fips = {f.id: f for f in self._call(self.openstack.list_floating_ips)}
            return self._fips

    def floating_ip(self, fip_id: str | None):
        return self._fip_map().get(fip_id) if fip_id else None

    def floating_ips_of(self, instance_id: str) -> list:
        return [f for f in self._fip_map().values() if f.scm_instance_uuid == instance_id]

    # -- flavors, images ----------------------------------------------------------------------
    def flavor(self, flavor_id: str):
        with self._lock:
            return self._flavor(flavor_id)

    def _flavor(self, flavor_id: str):
        if self._flavors is None:
            self._flavors = {f.id: f for f in self._call(self.openstack.list_flavors)}
        if flavor_id not in self._flavors:
            self._flavors[flavor_id] = self._call(self.openstack.get_flavor, flavor_id)
        return self._flavors[flavor_id]

    def image(self, image_id: str):
        with self._lock:
            return self._image(image_id)

    def _image(self, image_id: str):
        if image_id not in self._images:
            self._images[image_id] = self._call(self.openstack.get_image, image_id)
        return self._images[image_id]
