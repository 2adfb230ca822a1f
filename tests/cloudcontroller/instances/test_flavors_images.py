"""``/server-flavor`` and ``/server-image`` against the simulator, through the real clients."""

from __future__ import annotations

import pytest

from cloudcontroller.accounts.models import SystemUser


def test_flavors_list_memory_disk_vcpus_and_gpu(controller, cloudauth):
    who = cloudauth.user()
    body = controller.get("/server-flavor", headers=who.headers).json
    assert body["success"] is True and body["msg"] == ""
    flavors = {f["name"]: f for f in body["data"]}
    assert flavors["m1.small"] == {
        "id": "2",
        "name": "m1.small",
        "memory": 2048,
        "disk": 20,
        "vcpu": 1,
        "gpu": False,
        "extra-specs": {"gpu": "false"},
    }
    assert flavors["g1.gpu"]["gpu"] is True
    assert all(isinstance(f["id"], str) for f in body["data"])


def test_one_flavor_by_id_and_unknown_is_404(controller, cloudauth):
    who = cloudauth.user()
    assert controller.get("/server-flavor/3", headers=who.headers).json["data"]["vcpu"] == 2
    body = controller.get("/server-flavor/nope", headers=who.headers, status=404).json
    assert body["success"] is False


@pytest.mark.parametrize("path", ["/server-flavor", "/server-image", "/server-image/x"])
def test_reads_need_a_token(controller, path):
    assert controller.get(path, status=401).json["success"] is False


@pytest.mark.parametrize("path", ["/server-flavor", "/server-image"])
def test_flavors_and_images_are_read_only(controller, cloudauth, path):
    who = cloudauth.user()
    controller.post_json(path, {}, headers=who.headers, status=405)


def test_images_are_login_nodes_with_operating_system(controller, cloudauth):
    who = cloudauth.user()
    images = controller.get("/server-image", headers=who.headers).json["data"]
    login = next(i for i in images if i["name"] == "CentOS-7-loginnode")
    assert login["public"] is True and login["active"] is True
    assert login["min-disk"] == 8 and login["min-ram"] == 512
    assert login["operating-system"]["type"] == "linux"
    assert len(login["creation-date"]) == 19
    one = controller.get(f"/server-image/{login['id']}", headers=who.headers).json["data"]
    assert one == login


@pytest.fixture
def private_images(simulator):
    """Two private login-node images: one shared with system user 'imguser', one not; and a
    public image that is not a login node."""
    from tests.cloudcontroller.instances.simulator_admin import make_image

    shared = make_image(simulator, "private-shared", "private", scm_users="imguser")
    hidden = make_image(simulator, "private-hidden", "private")
    other = make_image(simulator, "not-a-login-node", "public", image_type="compute")
    return shared, hidden, other


def test_private_images_only_for_users_they_are_shared_with(
    controller, cloudauth, private_images, cc_session_factory
):
    shared, hidden, other = private_images
    user = cloudauth.user()
    stranger = cloudauth.user()
    superuser = cloudauth.user(roles=["superuser"])
    with cc_session_factory() as db:
        db.add(SystemUser(cloudauth_id=user.userid, system_name="imguser"))
        db.commit()

    def names(who):
        return {i["id"] for i in controller.get("/server-image", headers=who.headers).json["data"]}

    assert shared in names(user) and hidden not in names(user)
    assert shared not in names(stranger) and hidden not in names(stranger)
    assert {shared, hidden} <= names(superuser)
    assert other not in names(superuser)
    controller.get(f"/server-image/{hidden}", headers=user.headers, status=404)
    controller.get(f"/server-image/{other}", headers=superuser.headers, status=404)
    assert controller.get(f"/server-image/{shared}", headers=user.headers).json["success"]


def test_openstack_down_is_503_in_the_envelope(controller, cloudauth, simulator):
    who = cloudauth.user()
    simulator.fault("unavailable", "compute", count=20)
    try:
        body = controller.get("/server-flavor", headers=who.headers, status=503).json
    finally:
        simulator.clear_faults()
    assert body["success"] is False and "OpenStack" in body["msg"]
