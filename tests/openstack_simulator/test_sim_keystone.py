"""Keystone v3 on the wire and through python-keystoneclient."""

from __future__ import annotations

import pytest
import requests
from keystoneauth1 import session
from keystoneauth1.identity import v3
from keystoneclient import exceptions as ks_exc
from keystoneclient.v3 import client as ks_client


def test_token_has_a_catalog_pointing_at_this_host(api, sim):
    catalog = {entry["type"]: entry for entry in api.token_body["catalog"]}
    assert {"identity", "compute", "volumev3", "block-storage", "image", "network"} <= set(catalog)
    public = {e["interface"]: e["url"] for e in catalog["compute"]["endpoints"]}["public"]
    assert public == sim.url + "/compute/v2.1"
    assert {r["name"] for r in api.token_body["roles"]} == {"admin"}


def test_wrong_password_is_401_with_keystone_body(sim):
    body = {
        "auth": {
            "identity": {
                "methods": ["password"],
                "password": {
                    "user": {"name": "admin", "domain": {"name": "Default"}, "password": "wrong"}
                },
            }
        }
    }
    resp = requests.post(sim.url + "/identity/v3/auth/tokens", json=body, timeout=10)
    assert resp.status_code == 401
    assert resp.json() == {
        "error": {
            "code": 401,
            "title": "Unauthorized",
            "message": "The request you have made requires authentication.",
        }
    }


def test_validate_and_revoke_a_token(api):
    other = type(api)(api.base)
    check = api.call("GET", "identity", "/auth/tokens", headers={"X-Subject-Token": other.token})
    assert check.status_code == 200
    assert check.json()["token"]["user"]["name"] == "admin"
    gone = api.call("DELETE", "identity", "/auth/tokens", headers={"X-Subject-Token": other.token})
    assert gone.status_code == 204
    again = api.call("GET", "identity", "/auth/tokens", headers={"X-Subject-Token": other.token})
    assert again.status_code == 404
    revoked = other.call("GET", "compute", "/flavors")
    assert revoked.status_code == 401


@pytest.fixture(scope="module")
def keystone(sim):
    auth = v3.Password(
        auth_url=sim.url + "/identity/v3",
        username="admin",
        password="admin-password",
        project_name="scm",
        user_domain_name="Default",
        project_domain_name="Default",
    )
    return ks_client.Client(session=session.Session(auth=auth))


def test_users_projects_and_role_assignments_through_keystoneclient(keystone, sim):
    project = keystone.projects.create(name="ks-proj", domain="default")
    user = keystone.users.create(
        name="ks-user", password="pw", domain="default", default_project=project
    )
    role = next(r for r in keystone.roles.list() if r.name == "member")
    keystone.roles.grant(role, user=user, project=project)
    assert keystone.roles.check(role, user=user, project=project)
    assignments = keystone.role_assignments.list(user=user, project=project)
    assert [(a.role["id"], a.user["id"]) for a in assignments] == [(role.id, user.id)]
    assert [u.id for u in keystone.users.list(name="ks-user")] == [user.id]
    with pytest.raises(ks_exc.Conflict):
        keystone.users.create(name="ks-user", password="pw", domain="default")

    # The new user can authenticate into the project it was granted.
    auth = v3.Password(
        auth_url=sim.url + "/identity/v3",
        username="ks-user",
        password="pw",
        project_name="ks-proj",
        user_domain_id="default",
        project_domain_id="default",
    )
    assert session.Session(auth=auth).get_token()

    keystone.roles.revoke(role, user=user, project=project)
    with pytest.raises(ks_exc.NotFound):
        keystone.roles.check(role, user=user, project=project)
    keystone.users.delete(user)
    with pytest.raises(ks_exc.NotFound):
        keystone.users.get(user.id)


def test_no_role_on_the_project_means_no_scoped_token(keystone, sim):
    keystone.users.create(name="roleless", password="pw", domain="default")
    auth = v3.Password(
        auth_url=sim.url + "/identity/v3",
        username="roleless",
        password="pw",
        project_name="scm",
        user_domain_id="default",
        project_domain_id="default",
    )
    from keystoneauth1 import exceptions as ka_exc

    with pytest.raises(ka_exc.Unauthorized):
        session.Session(auth=auth).get_token()
