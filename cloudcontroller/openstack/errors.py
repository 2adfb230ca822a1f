"""Domain errors of the OpenStack interface.

The driver translates every client-library exception into one of these, so nothing outside
`driver.py` ever catches a novaclient/cinderclient/glanceclient/neutronclient/keystoneauth type.
Each carries the cloud's own message (`detail`) for logs and the instance's error text.
"""

from __future__ import annotations


class OpenStackError(Exception):
    """Base of every error the OpenStack interface raises."""

    def __init__(self, message: str, *, status: int | None = None, service: str | None = None):
        super().__init__(message)
        self.detail = message
        self.status = status
        self.service = service


class NotFound(OpenStackError):
    """The resource does not exist (or is not visible to SCM's project)."""


class Conflict(OpenStackError):
    """The resource is in a state that forbids the operation (in use, still building...)."""


class BadRequest(OpenStackError):
    """The cloud refused the request as invalid (bad size, unknown flavor reference...)."""


class QuotaOrCapacity(OpenStackError):
    """A quota is exhausted or the cloud has no capacity (no valid host, no free GPU)."""


class FloatingIPPoolExhausted(QuotaOrCapacity):
    """The external network has no free address left (Neutron's IpAddressGenerationFailure)."""


class FloatingIPAssociationLost(Conflict):
    """The cloud accepted an association that did not hold when read back."""


class OpenStackUnavailable(OpenStackError):
    """The cloud cannot be reached, timed out, or answered 5xx: retry later."""


class AuthenticationFailed(OpenStackError):
    """SCM's own credentials were refused by Keystone: a configuration problem, not transient."""


class UnsupportedCloud(OpenStackError):
    """The cloud does not offer the API microversion SCM is written against."""
