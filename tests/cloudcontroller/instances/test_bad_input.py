"""Issue 16, items 4 and 5 (controller parts): setting an instance's users is idempotent, deep
JSON and ids that cannot exist are clear 4xx before any OpenStack call, creation answers 201,
and novaclient writes no cache files under $HOME."""

from __future__ import annotations

import pytest
import webtest

from cloudcontroller.openstack.driver import OpenStackDriver

DEEP = "[" * 1500 + "]" * 1500


def granted_users(stack, who, instance_id):
    users = stack.get(who, instance_id)["user-permissions"]
    return sorted((u["user-id"], u["power"], u["delete"]) for u in users)


def test_setting_users_is_idempotent_and_the_result_is_the_list_sent(stack, cloudauth):
    owner, a, b = cloudauth.user(), cloudauth.user(), cloudauth.user()
    stack.system_user(owner)
    ua, ub = stack.system_user(a), stack.system_user(b)
    created = stack.create(owner, users=[{"user-id": ua, "power": True}])["data"]
    url = f"/server-instance/{created['id']}"
    # the same list again, a user already granted plus a new one, then changed flags
    for users, expected in [
        ([{"user-id": ua, "power": True}], [(ua, True, False)]),
        ([{"user-id": ua, "power": True}], [(ua, True, False)]),
        ([ua, {"user-id": ub, "delete": True}], [(ua, False, False), (ub, False, True)]),
        (
            [{"user-id": ub, "power": True, "delete": True}, {"user-id": ua, "power": True}],
            [(ua, True, False), (ub, True, True)],
        ),
        ([{"user-id": ub}], [(ub, False, False)]),
    ]:
        stack.app.put_json(url, {"users": users}, headers=owner.headers, status=200)
        assert granted_users(stack, owner, created["id"]) == sorted(expected)


def test_creation_answers_201(stack, cloudauth):
    who = cloudauth.user()
    stack.system_user(who)
    images = stack.app.get("/server-image", headers=who.headers).json["data"]
    body = {"server-image": images[0]["id"], "server-flavor": "1"}
    response = stack.app.post_json("/server-instance", body, headers=who.headers)
    assert response.status_int == 201 and response.json["data"]["status"] == "BUILD"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/server-instance"),
        ("put", "/server-instance/{id}"),
        ("post", "/user"),
        ("post", "/group"),
        ("post", "/storage-volume"),
    ],
)
def test_json_nested_1500_deep_is_a_400(stack, cloudauth, method, path):
    who = cloudauth.user()
    stack.system_user(who)
    created = stack.create(who)["data"]
    response = getattr(stack.app, method)(
        path.format(id=created["id"]),
        '{"users": ' + DEEP + "}",
        headers=dict(who.headers, **{"Content-Type": "application/json"}),
        status=400,
    )
    assert response.json["msg"] == "the request body must not nest deeper than 32 levels"


class Offline:
    def __init__(self, app):
        self.app = app


@pytest.fixture
def offline_stack(make_controller_app):
    """A controller whose OpenStack is down: any call it made would be a 503."""
    app = make_controller_app(**{"openstack.auth_url": "http://127.0.0.1:9/identity/v3"})
    return Offline(webtest.TestApp(app, extra_environ={"REMOTE_ADDR": "127.0.0.1"}))


@pytest.mark.parametrize(
    "path",
    ["/server-flavor/%2e%2e", "/server-image/%2e%2e", "/server-flavor/.", "/server-image/a%2fb"],
)
def test_openstack_ids_that_cannot_exist_are_404_without_asking_openstack(
    offline_stack, cloudauth, path
):
    who = cloudauth.user()
    body = offline_stack.app.get(path, headers=who.headers, status=404).json
    assert body["success"] is False and body["msg"].startswith(("no server-", "no resource"))


@pytest.mark.parametrize("field", ["server-flavor", "server-image"])
@pytest.mark.parametrize("value", ["..", ".", "a/b", "x" * 300, 7])
def test_create_refuses_an_openstack_id_that_cannot_exist_without_asking_openstack(
    offline_stack, cloudauth, field, value
):
    who = cloudauth.user()  # checked before the system account, the flavor and the image
    body = {"server-image": "img", "server-flavor": "1", field: value}
    answer = offline_stack.app.post_json(
        "/server-instance", body, headers=who.headers, status=400
    ).json
    assert f"{field} must be an OpenStack id" in answer["msg"]


def test_an_outage_is_still_a_503(offline_stack, cloudauth):
    who = cloudauth.user()
    offline_stack.app.get("/server-flavor/1", headers=who.headers, status=503)


ITEM_METHODS = {
    "/server-instance/{junk}": ("get", "put", "delete"),
    "/user/{junk}": ("get", "put", "delete"),
    "/user-storage/{junk}": ("get", "put"),
    "/group/{junk}": ("get", "put", "delete"),
    "/storage-volume/{junk}": ("get", "delete"),
}


@pytest.mark.parametrize("path", sorted(ITEM_METHODS))
@pytest.mark.parametrize("junk", ["99999999999999999999", "%2e%2e", "x" * 33, "0" * 31 + "g"])
def test_path_ids_that_cannot_exist_are_404(stack, cloudauth, path, junk):
    who = cloudauth.user()
    for method in ITEM_METHODS[path]:
        call = getattr(stack.app, method)
        kwargs = {"params": "{}", "content_type": "application/json"} if method == "put" else {}
        response = call(path.format(junk=junk), headers=who.headers, status=404, **kwargs)
        assert response.json["success"] is False


def test_novaclient_writes_no_cache_files_under_home(stack, tmp_path, monkeypatch):
    home = tmp_path / "service-home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    driver = OpenStackDriver(stack.openstack.settings)
    assert driver.list_flavors() and driver.list_images()
    driver.list_servers()
    assert list(home.rglob("*")) == []
