"""The OpenStack driver's settings, parsed once into a frozen dataclass."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from common.settings import Raw


@dataclass(frozen=True)
class OpenStackSettings:
    auth_url: str
    username: str
    password: str
    project_name: str
    user_domain_name: str = "Default"
    project_domain_name: str = "Default"
    region_name: str = "RegionOne"
    interface: str = "public"
    timeout: float = 30.0
    nova_microversion: str = "2.90"
    cinder_microversion: str = "3.60"
    verify: bool | str = True

    @classmethod
    def from_settings(cls, raw: Mapping[str, Any], prefix: str = "openstack.") -> OpenStackSettings:
        """From ini-style settings (``openstack.auth_url`` ...); fails fast when incomplete."""
        r = Raw(raw)
        return cls(
            auth_url=r.str(prefix + "auth_url"),
            username=r.str(prefix + "username"),
            password=r.str(prefix + "password"),
            project_name=r.str(prefix + "project_name"),
            user_domain_name=r.str(prefix + "user_domain_name", "Default"),
            project_domain_name=r.str(prefix + "project_domain_name", "Default"),
            region_name=r.str(prefix + "region_name", "RegionOne"),
            interface=r.str(prefix + "interface", "public"),
            timeout=r.duration(prefix + "timeout", 30.0),
            nova_microversion=r.str(prefix + "nova_microversion", "2.90"),
            cinder_microversion=r.str(prefix + "cinder_microversion", "3.60"),
            verify=r.tls_verify(prefix + "verify"),
        )
