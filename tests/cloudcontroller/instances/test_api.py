"""``/server-instance`` over HTTP: shapes, refusals (caps, busy GPUs, prerequisites, bad input)
and the authorization matrix over every endpoint."""

from __future__ import annotations

import pytest


def test_create_needs_a_system_account(stack, cloudauth):
    who = cloudauth.user()
    body = stack.create(who, status=409)
    assert body["success"] is False and "system account" in body["msg"]


@pytest.mark.parametrize(
    ("payload", "status"),
    [
        ({"server-flavor": "1"}, 400),
        ({"server-image": "x", "server-flavor": "1"}, 404),
        ({"server-flavor": "no-such"}, 400),
        ({"users": "bob"}, 400),
        ({"users": ["f" * 32]}, 400),
    ],
)
def test_bad_creates_are_refused(stack, cloudauth, payload, status):
    who = cloudauth.user()
    stack.system_user(who)
    images = stack.app.get("/server-image", headers=who.headers).json["data"]
    body = {"server-image": images[0]["id"], **payload}
    if "server-image" not in payload and payload.get("server-flavor") is None:
        body["server-flavor"] = "1"
    if payload == {"server-flavor": "1"}:
        body.pop("server-image")
    answer = stack.app.post_json("/server-instance", body, headers=who.headers, status=status)
    assert answer.json["success"] is False


def test_body_must_be_json(stack, cloudauth):
    who = cloudauth.user()
    stack.app.post("/server-instance", "nope", headers=who.headers, status=400)


def test_flavor_caps_refuse_beyond_the_cap(make_stack, cloudauth):
    stack = make_stack(**{"virtualization.flavor_caps": '{"1": 1}'})
    who = cloudauth.user()
    stack.system_user(who)
    stack.create(who)
    body = stack.create(who, status=409)
    assert "capped at 1" in body["msg"]
    assert stack.create(who, flavor="2")["success"]  # other flavors are not capped


def test_busy_gpus_refuse_before_anything_is_created(make_stack, cloudauth, simulator):
    stack = make_stack(
        **{"openstack.gpu_query": f"sqlite:///{simulator.state}", "openstack.gpu_pci_ids": "102d"}
    )
    who = cloudauth.user()
    stack.system_user(who)
    assert stack.create(who, flavor="6")["success"]  # two devices free in the seed
    stack.create(who, flavor="6")
    # Nova allocates on boot; here the devices are taken by an operator meanwhile.
    import sqlite3

    with sqlite3.connect(simulator.state) as conn:
        conn.execute("UPDATE pci_devices SET status = 'allocated' WHERE product_id = '102d'")
    try:
        body = stack.create(who, flavor="6", status=409)
    finally:
        with sqlite3.connect(simulator.state) as conn:
            conn.execute("UPDATE pci_devices SET status = 'available' WHERE instance_uuid IS NULL")
    assert "no free GPU" in body["msg"]
    listed = stack.app.get("/server-instance", headers=who.headers).json["data"]
    assert len(listed) == 2  # the refused one left no row, no ERROR VM


def test_gpus_promised_to_instances_still_starting_count_as_taken(make_stack, cloudauth, simulator):
    """Nova claims a device only when it builds the server: before that, the two free devices
    are already promised to the two instances created first."""
    stack = make_stack(
        **{"openstack.gpu_query": f"sqlite:///{simulator.state}", "openstack.gpu_pci_ids": "102d"}
    )
    who = cloudauth.user()
    stack.system_user(who)
    first = stack.create(who, flavor="6")["data"]
    stack.create(who, flavor="6")
    body = stack.create(who, flavor="6", status=409)
    assert "0 available (2 promised to instances still starting)" in body["msg"]
    assert stack.create(who, flavor="1")["success"]  # a flavor without a GPU is not held up
    stack.app.delete(f"/server-instance/{first['id']}", headers=who.headers)
    assert stack.create(who, flavor="6")["success"]  # a deleted one promises nothing


def test_concurrent_creates_stop_at_the_cap(make_stack, cloudauth):
    """Creates of one owner racing each other: exactly the cap gets through (on MySQL the
    check and the insert would interleave without the owner's row lock)."""
    from concurrent.futures import ThreadPoolExecutor

    import webtest

    stack = make_stack(**{"virtualization.flavor_caps": '{"1": 2}'})
    who = cloudauth.user()
    stack.system_user(who)
    images = stack.app.get("/server-image", headers=who.headers).json["data"]
    image = next(i["id"] for i in images if i["name"] == "CentOS-7-loginnode")
    body = {"server-image": image, "server-flavor": "1"}

    def create(_):
        client = webtest.TestApp(stack.app.app, extra_environ={"REMOTE_ADDR": "127.0.0.1"})
        return client.post_json(
            "/server-instance", body, headers=who.headers, expect_errors=True
        ).status_int

    with ThreadPoolExecutor(8) as pool:
        statuses = sorted(pool.map(create, range(8)))
    assert statuses == [201, 201] + [409] * 6
    listed = stack.app.get("/server-instance", headers=who.headers).json["data"]
    assert len(listed) == 2


def test_gpu_ids_not_matching_count_as_none_free(make_stack, cloudauth, simulator):
    stack = make_stack(
        **{"openstack.gpu_query": f"sqlite:///{simulator.state}", "openstack.gpu_pci_ids": "ffff"}
    )
    who = cloudauth.user()
    stack.system_user(who)
    assert "no free GPU" in stack.create(who, flavor="6", status=409)["msg"]
    assert stack.create(who, flavor="1")["success"]


def test_instance_shape(stack, cloudauth):
    who = cloudauth.user()
    stack.system_user(who)
    data = stack.create(who)["data"]
    assert set(data) >= {
        "id",
        "cloudauth-id",
        "users",
        "server-image",
        "server-flavor",
        "creation-date",
        "status",
    }
    assert data["cloudauth-id"] == who.userid and data["server-flavor"] == "1"
    assert len(data["id"]) == 32 and data["users"] == []


# -- the authorization matrix ------------------------------------------------------------------
@pytest.fixture
def cast(stack, cloudauth):
    """An instance owned by a managed user; the account owner; a granted user (power only); a
    sibling managed user (not granted); a stranger; a superuser."""
    account_owner = cloudauth.user(roles=["account_owner"])
    owner = cloudauth.user(owner=account_owner)
    granted = cloudauth.user(owner=account_owner)
    sibling = cloudauth.user(owner=account_owner)
    stranger = cloudauth.user()
    superuser = cloudauth.user(roles=["superuser"])
    stack.system_user(owner)
    granted_id = stack.system_user(granted)
    stack.system_user(sibling)
    grants = [{"user-id": granted_id, "power": True, "delete": False}]
    data = stack.create(owner, users=grants)["data"]
    return {
        "id": data["id"],
        "owner": owner,
        "account_owner": account_owner,
        "granted": granted,
        "sibling": sibling,
        "stranger": stranger,
        "superuser": superuser,
    }


# who -> (sees it, may power, may delete, may set users)
MATRIX = {
    "owner": (True, True, True, True),
    "account_owner": (True, True, True, True),
    "superuser": (True, True, True, True),
    "granted": (True, True, False, False),
    "sibling": (False, False, False, False),
    "stranger": (False, False, False, False),
}


def expected(sees: bool, may: bool) -> int:
    return 200 if may else (403 if sees else 404)


@pytest.mark.parametrize("role", sorted(MATRIX))
def test_authorization_matrix(stack, cast, role):
    sees, power, delete, users = MATRIX[role]
    who = cast[role]
    url = f"/server-instance/{cast['id']}"
    listed = [i["id"] for i in stack.app.get("/server-instance", headers=who.headers).json["data"]]
    assert (cast["id"] in listed) is sees
    stack.app.get(url, headers=who.headers, status=200 if sees else 404)
    stack.app.put_json(url, {"users": []}, headers=who.headers, status=expected(sees, users))
    if users:  # a manager emptied the list; power and delete are checked for them below
        assert stack.app.get(url, headers=cast["owner"].headers).json["data"]["users"] == []
        return
    stack.app.put_json(url, {"power": "off"}, headers=who.headers, status=expected(sees, power))
    stack.app.delete(url, headers=who.headers, status=expected(sees, delete))


@pytest.mark.parametrize("role", ["owner", "account_owner", "superuser"])
def test_managers_power_and_delete(stack, cast, role):
    who = cast[role]
    url = f"/server-instance/{cast['id']}"
    assert (
        stack.app.put_json(url, {"power": "off"}, headers=who.headers).json["data"]["status"]
        == "STOPPING"
    )
    assert stack.app.delete(url, headers=who.headers).json["data"]["status"] == "DELETING"


def test_a_stranger_cannot_create_for_someone_else(stack, cast):
    body = {"server-image": "x", "server-flavor": "1", "cloudauth-id": cast["owner"].userid}
    stack.app.post_json("/server-instance", body, headers=cast["stranger"].headers, status=403)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/server-instance"),
        ("post", "/server-instance"),
        ("get", "/server-instance/x"),
        ("put", "/server-instance/x"),
        ("delete", "/server-instance/x"),
    ],
)
def test_every_endpoint_needs_a_token(stack, method, path):
    call = getattr(stack.app, method)
    assert call(path, status=401).json["success"] is False


def test_power_values_and_unknown_fields_are_400(stack, cast):
    url = f"/server-instance/{cast['id']}"
    who = cast["owner"]
    stack.app.put_json(url, {"power": "sideways"}, headers=who.headers, status=400)
    stack.app.put_json(url, {"colour": "red"}, headers=who.headers, status=400)
    stack.app.put_json(url, {"power": "reboot"}, headers=who.headers, status=409)  # still BUILD


def test_bodies_that_are_not_utf8_json_objects_are_400(stack, cast):
    url = f"/server-instance/{cast['id']}"
    who = cast["owner"]
    for body in (b"", b"[1, 2]", b"{not json", b'{"power": "\xff"}'):
        response = stack.app.put(
            url, body, headers=dict(who.headers, **{"Content-Type": "application/json"}), status=400
        )
        assert response.json["success"] is False and "JSON object" in response.json["msg"]
