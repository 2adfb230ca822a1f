"""Fixtures for the real-slapd tier: ``slapd`` (plain + ldaps + StartTLS), ``slapd_mtls`` (client
certificates demanded), ``ldap_settings`` (``LdapSettings`` pointing at ``slapd``).

Without ``/usr/sbin/slapd`` these tests skip; with ``SCM_REQUIRE_ALL_TIERS=1`` they fail instead.
"""

from __future__ import annotations

import pytest

from common.ldap.settings import LdapSettings
from tests.cloudauth.ldap.slapd import (
    Certs,
    Slapd,
    ldap_settings_for,
    make_certs,
    slapd_missing,
    start_slapd,
)
from tests.conftest import skip_or_fail


def _slapd_unavailable() -> None:
    reason = slapd_missing()
    if reason is not None:
        skip_or_fail(reason)


@pytest.fixture(scope="session")
def slapd_certs(tmp_path_factory) -> Certs:
    return make_certs(tmp_path_factory.mktemp("slapd-certs"))


@pytest.fixture(scope="session")
def slapd(tmp_path_factory, slapd_certs) -> Slapd:
    """A loaded slapd on ``slapd.url`` (ldap://, StartTLS) and ``slapd.ldaps_url``."""
    _slapd_unavailable()
    server = start_slapd(tmp_path_factory.mktemp("slapd"), certs=slapd_certs)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def slapd_mtls(tmp_path_factory, slapd_certs) -> Slapd:
    """A second slapd whose TLS listeners demand a client certificate signed by the test CA."""
    _slapd_unavailable()
    server = start_slapd(
        tmp_path_factory.mktemp("slapd-mtls"), certs=slapd_certs, verify_client=True
    )
    yield server
    server.stop()


@pytest.fixture
def ldap_settings(slapd) -> LdapSettings:
    """Settings for ``slapd`` with its bind user and no requirements; vary with ``replace()``."""
    return ldap_settings_for((slapd.url,))
