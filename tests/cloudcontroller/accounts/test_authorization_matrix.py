"""Each actor against each endpoint of /user, /group, /storage-volume and /user-storage.

The objects belong to ``user``, a managed user of the account owner ``owner``; ``sibling`` is
another managed user of the same owner, ``stranger`` belongs to nobody. Visibility (API.md): the
superuser sees everything, a user their own, an account owner also their managed users'. So:
401 without a token, 404 for an object the caller does not see, 403 for one they see but may not
change (or a Cloud Auth user they may not act for), 409 where the state forbids the change. List
rows say whether ``user``'s object is listed ("in") or not ("out"), with 200.
"""

from __future__ import annotations

import pytest

from tests.cloudcontroller.accounts.helpers import unique_name

ACTORS = ["anonymous", "user", "owner", "sibling", "stranger", "superuser"]
IN, OUT = "in", "out"
SEEN = (401, IN, IN, OUT, OUT, IN)  # a list row
VISIBLE = (401, 200, 200, 404, 404, 200)  # an item row anyone who sees it may read or change


def row(method, path, body, expected, prep=None, key=None):
    return pytest.param(
        method,
        path,
        body,
        dict(zip(ACTORS, expected, strict=True)),
        prep,
        key,
        id=f"{method} {path}{' ' + prep if prep else ''}{' ' + str(body) if body else ''}",
    )


MATRIX = [
    # /user
    row("GET", "/user", None, SEEN, key="user-id"),
    row("GET", "/user?cloudauth-id={user}", None, SEEN, key="user-id"),
    row("GET", "/user?system-name={name}", None, SEEN, key="user-id"),
    row(
        "GET",
        "/user?system-name={name}&cloudauth-id={user}",
        None,
        (401, 400, 400, 400, 400, 400),
    ),
    row("GET", "/user/{user_id}", None, VISIBLE),
    row(
        "POST",
        "/user",
        {"cloudauth-id": "{target}", "system-name": "{target_name}"},
        (401, 403, 201, 403, 403, 201),
    ),
    row("PUT", "/user/{user_id}", {"ssh-public-keys": []}, VISIBLE),
    row("DELETE", "/user/{user_id}", None, (401, 409, 409, 404, 404, 409)),
    row("DELETE", "/user/{user_id}", None, VISIBLE, prep="without a volume"),
    # /group
    row("GET", "/group", None, SEEN, key="group-id"),
    row("GET", "/group?cloudauth-id={user}", None, SEEN, key="group-id"),
    row("GET", "/group?group-name={group_name}", None, SEEN, key="group-id"),
    row(
        "GET",
        "/group?group-name={group_name}&cloudauth-id={user}",
        None,
        (401, 400, 400, 400, 400, 400),
    ),
    row("GET", "/group/{group_id}", None, VISIBLE),
    row(
        "POST",
        "/group",
        {"group-name": "{new_group}", "cloudauth-id": "{user}", "group-members": ["{user_id}"]},
        (401, 201, 201, 403, 403, 201),
    ),
    row("PUT", "/group/{group_id}", {"group-members": ["{user_id}"]}, VISIBLE),
    row("DELETE", "/group/{group_id}", None, VISIBLE),
    # /storage-volume
    row("GET", "/storage-volume", None, SEEN, key="volume-id"),
    row("GET", "/storage-volume?cloudauth-id={user}", None, SEEN, key="volume-id"),
    row("GET", "/storage-volume/{volume_id}", None, VISIBLE),
    row("POST", "/storage-volume", {"user-id": "{user_id}"}, (401, 409, 409, 404, 404, 409)),
    row(
        "POST",
        "/storage-volume",
        {"user-id": "{user_id}"},
        (401, 201, 201, 404, 404, 201),
        prep="without a volume",
    ),
    row(
        "POST",
        "/storage-volume",
        {"cloudauth-id": "{user}"},
        (401, 201, 201, 404, 404, 201),
        prep="without a volume",
    ),
    row("DELETE", "/storage-volume/{volume_id}", None, VISIBLE),
    # /user-storage
    row("GET", "/user-storage", None, SEEN, key="user-id"),
    row("GET", "/user-storage/{user_id}", None, VISIBLE),
    row("PUT", "/user-storage/{user_id}", {"quota-bytes": 1000}, (401, 403, 403, 404, 404, 200)),
]


@pytest.fixture(scope="module")
def cast(cloudauth):
    """Cloud Auth users made once (before any of them calls, so the owner's cached list of
    managed users holds them all); system names fixed so each test's re-registration in Cloud
    Auth replaces the last test's."""
    owner = cloudauth.user(roles=["account_owner"])
    return {
        "owner": owner,
        "user": cloudauth.user(owner=owner),
        "sibling": cloudauth.user(owner=owner),
        "target": cloudauth.user(owner=owner),
        "stranger": cloudauth.user(),
        "superuser": cloudauth.user(roles=["superuser"]),
        "name": unique_name(),
        "target_name": unique_name(),
    }


@pytest.fixture
def world(app_with, cast, tmp_path):
    pool = tmp_path / "pool"
    pool.mkdir()
    app = app_with(
        **{
            "storage.driver": "mkdir",
            "storage.mkdir.root": str(tmp_path / "homes"),
            "user_storage.pool": str(pool),
        }
    )
    me = cast["user"].headers
    user = app.post_json("/user", {"system-name": cast["name"]}, headers=me).json["data"]
    group_name = unique_name("g")
    group = app.post_json(
        "/group", {"group-name": group_name, "group-members": [user["user-id"]]}, headers=me
    ).json["data"]
    volume = app.post_json("/storage-volume", {"user-id": user["user-id"]}, headers=me).json["data"]
    values = {
        "user": cast["user"].userid,
        "target": cast["target"].userid,
        "name": cast["name"],
        "target_name": cast["target_name"],
        "user_id": user["user-id"],
        "group_id": group["group-id"],
        "group_name": group_name,
        "new_group": unique_name("g"),
        "volume_id": volume["volume-id"],
    }
    return app, values


def fill(value, values):
    if isinstance(value, str):
        return value.format(**values)
    if isinstance(value, list):
        return [fill(v, values) for v in value]
    if isinstance(value, dict):
        return {k: fill(v, values) for k, v in value.items()}
    return value


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize(("method", "path", "body", "expected", "prep", "key"), MATRIX)
def test_actor_against_endpoint(world, cast, actor, method, path, body, expected, prep, key):
    app, values = world
    if prep == "without a volume":
        app.delete(f"/storage-volume/{values['volume_id']}", headers=cast["superuser"].headers)
    headers = cast[actor].headers if actor != "anonymous" else {}
    url = fill(path, values)
    if method == "GET":
        response = app.get(url, headers=headers, expect_errors=True)
    elif method == "DELETE":
        response = app.delete(url, headers=headers, expect_errors=True)
    else:
        call = app.post_json if method == "POST" else app.put_json
        response = call(url, fill(body, values), headers=headers, expect_errors=True)
    want = expected[actor]
    status = 200 if want in (IN, OUT) else want
    assert response.status_int == status, response.json
    assert response.json["success"] is (status < 400)
    if status >= 400:
        assert response.json["msg"]
    if want in (IN, OUT):
        mine = {"user-id": values["user_id"], "group-id": values["group_id"]}.get(
            key, values["volume_id"]
        )
        listed = [item[key] for item in response.json["data"]]
        assert (mine in listed) is (want == IN), listed
