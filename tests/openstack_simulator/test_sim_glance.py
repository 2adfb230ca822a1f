"""Glance through the real glanceclient: visibility, members, property filters, errors."""

from __future__ import annotations

import io

import glanceclient
import pytest
from keystoneauth1 import session
from keystoneauth1.identity import v3


def client(sim, project: str, user: str = "admin", password: str = "admin-password"):
    auth = v3.Password(
        auth_url=sim.url + "/identity/v3",
        username=user,
        password=password,
        project_name=project,
        user_domain_id="default",
        project_domain_id="default",
    )
    return glanceclient.Client("2", session=session.Session(auth=auth))


@pytest.fixture(scope="module")
def other_project(api):
    """A second project with a member user, to see what another tenant sees."""
    project = api.call("POST", "identity", "/projects", json={"project": {"name": "tenant2"}})
    user = api.call(
        "POST", "identity", "/users", json={"user": {"name": "t2user", "password": "pw2"}}
    )
    roles = api.call("GET", "identity", "/roles?name=member").json()["roles"]
    pid, uid, rid = project.json()["project"]["id"], user.json()["user"]["id"], roles[0]["id"]
    api.call("PUT", "identity", f"/projects/{pid}/users/{uid}/roles/{rid}")
    return pid


def test_property_filters_find_the_login_node_image(sim):
    glance = client(sim, "scm")
    found = list(glance.images.list(filters={"image_type": "loginnode", "active": "true"}))
    assert [i["name"] for i in found] == ["CentOS-7-loginnode"]
    assert found[0]["min_disk"] == 8 and found[0]["is_linux"] == "true"
    assert list(glance.images.list(filters={"image_type": "windows"})) == []


def test_visibility_rules_for_another_project(sim, other_project):
    admin = client(sim, "scm")
    private = admin.images.create(
        name="priv", visibility="private", disk_format="raw", container_format="bare"
    )
    shared = admin.images.create(
        name="shared", visibility="shared", disk_format="raw", container_format="bare"
    )
    community = admin.images.create(
        name="comm", visibility="community", disk_format="raw", container_format="bare"
    )
    tenant = client(sim, "tenant2", "t2user", "pw2")
    names = {i["name"] for i in tenant.images.list()}
    assert "CentOS-7-loginnode" in names
    assert not names & {"priv", "shared", "comm"}
    assert {i["name"] for i in tenant.images.list(filters={"visibility": "community"})} == {"comm"}
    with pytest.raises(glanceclient.exc.HTTPNotFound):
        tenant.images.get(private["id"])

    admin.image_members.create(shared["id"], other_project)
    assert "shared" not in {i["name"] for i in tenant.images.list()}  # still pending
    tenant.image_members.update(shared["id"], other_project, "accepted")
    assert "shared" in {i["name"] for i in tenant.images.list()}
    assert tenant.images.get(community["id"])["name"] == "comm"


def test_members_only_on_shared_images(sim, other_project):
    admin = client(sim, "scm")
    image = admin.images.create(
        name="p2", visibility="private", disk_format="raw", container_format="bare"
    )
    with pytest.raises(glanceclient.exc.HTTPForbidden):
        admin.image_members.create(image["id"], other_project)


def test_upload_activates_and_update_sets_properties(sim):
    glance = client(sim, "scm")
    image = glance.images.create(
        name="up", disk_format="raw", container_format="bare", min_disk=3, image_type="loginnode"
    )
    assert image["status"] == "queued"
    glance.images.upload(image["id"], io.BytesIO(b"x" * 1024))
    glance.images.update(image["id"], active="true", service_url="https://{}/")
    got = glance.images.get(image["id"])
    assert (got["status"], got["size"], got["min_disk"]) == ("active", 1024, 3)
    assert (got["active"], got["service_url"]) == ("true", "https://{}/")
    glance.images.update(image["id"], remove_props=["active"])
    assert "active" not in glance.images.get(image["id"])


def test_unknown_image_is_a_404_page_like_glance(api):
    resp = api.call("GET", "image", "/images/00000000-0000-0000-0000-000000000000")
    assert resp.status_code == 404
    assert "No image found with ID 00000000-0000-0000-0000-000000000000" in resp.text


def test_pagination_follows_next_links(sim):
    glance = client(sim, "scm")
    for n in range(4):
        glance.images.create(
            name=f"page-{n}", disk_format="raw", container_format="bare", page_group="yes"
        )
    found = list(glance.images.list(filters={"page_group": "yes"}, page_size=2))
    assert sorted(i["name"] for i in found) == [f"page-{n}" for n in range(4)]
