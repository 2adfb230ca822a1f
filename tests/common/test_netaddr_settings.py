from __future__ import annotations

import pytest

from common.netaddr import client_address, in_networks
from common.settings import ConfigError, Raw, parse_duration, parse_networks

PROXIES = parse_networks(["10.0.0.1", "192.168.0.0/24"])


@pytest.mark.parametrize(
    ("peer", "forwarded", "expected"),
    [
        ("203.0.113.9", "1.2.3.4", "203.0.113.9"),  # untrusted peer: its header is ignored
        ("10.0.0.1", "1.2.3.4", "1.2.3.4"),
        ("10.0.0.1", "6.6.6.6, 1.2.3.4", "1.2.3.4"),  # the left part was written by the client
        ("10.0.0.1", "1.2.3.4, 192.168.0.7", "1.2.3.4"),  # two trusted hops
        ("10.0.0.1", "", "10.0.0.1"),
        ("10.0.0.1", "not-an-ip, 1.2.3.4", "1.2.3.4"),
        ("10.0.0.1", "1.2.3.4, junk", None),
    ],
)
def test_client_address_behind_trusted_proxies(peer, forwarded, expected):
    environ = {"REMOTE_ADDR": peer, "HTTP_X_FORWARDED_FOR": forwarded}
    assert client_address(environ, PROXIES) == expected


def test_without_trusted_proxies_the_peer_is_the_client():
    assert (
        client_address({"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "1.1.1.1"}, ())
        == "10.0.0.1"
    )


def test_allow_lists_take_ips_and_cidrs_v4_and_v6():
    nets = parse_networks(["127.0.0.1", "10.20.32.0/23", "::1", "fd00::/8"])
    assert in_networks("10.20.33.255", nets)
    assert not in_networks("10.20.34.0", nets)
    assert in_networks("::1", nets) and in_networks("fd00::5", nets)
    assert in_networks("::ffff:127.0.0.1", nets)  # IPv4-mapped
    assert not in_networks("garbage", nets)


def test_bad_settings_name_the_setting():
    with pytest.raises(ConfigError, match="login_allowed.hosts"):
        Raw({"login_allowed.hosts": "127.0.0.1 example.com"}).networks("login_allowed.hosts")
    with pytest.raises(ConfigError, match="auth_sso"):
        Raw({"auth_sso": "maybe"}).bool("auth_sso", False)
    with pytest.raises(ConfigError, match="token.lifetime"):
        Raw({"token.lifetime": "soon"}).duration("token.lifetime", 1)


def test_durations():
    assert parse_duration("90") == 90
    assert parse_duration("3s") == 3
    assert parse_duration("5m") == 300
    assert parse_duration("12h") == 43200
    assert parse_duration("1d") == 86400


def test_cloudauth_refuses_to_start_without_an_encryption_key():
    from cloudauth.settings import AuthSettings

    with pytest.raises(ConfigError, match="apikey.encryption_keys"):
        AuthSettings.from_raw({})
    with pytest.raises(ConfigError, match="32 url-safe"):
        AuthSettings.from_raw({"apikey.encryption_keys": "short"})
    with pytest.raises(ConfigError, match="default_user_role"):
        AuthSettings.from_raw(
            {
                "apikey.encryption_keys": "ZGVtby1vbmx5LWtleS1kby1ub3QtdXNlLWluLXByb2Q=",
                "default_user_role": "superuser",
            }
        )
