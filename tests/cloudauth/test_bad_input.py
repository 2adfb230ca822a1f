"""Bad input is a 4xx with a message, never a 500 (issue 16, items 4 and 5, Cloud Auth parts)."""

from __future__ import annotations

import uuid

import pytest

from tests.cloudauth.conftest import login

HUGE = "99999999999999999999"  # past 64 bits
# "%EF%BC%91" is a full-width digit one, which int() would read as 1.
NOT_IDS = [HUGE, "-1", "0", "1.5", "%EF%BC%91", "9" * 400]


@pytest.mark.parametrize(
    "header",
    [
        "OAuth x",
        "OAuth ",
        "OAuth =",
        'OAuth oauth_consumer_key="k"',
        'OAuth oauth_consumer_key="k", oauth_consumer_key="k"',
        'OAuth oauth_signature="%ZZ"',
        "OAuth " + "a=b, " * 500,
    ],
)
def test_a_malformed_oauth_header_is_401_with_a_message(testapp, header):
    response = testapp.get("/auth/request_token", headers={"Authorization": header}, status=401)
    assert response.json["success"] is False
    assert "OAuth" in response.json["message"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/cloud_controller/view/{}"),
        ("POST", "/cloud_controller/update/{}"),
        ("GET", "/role/view/{}"),
        ("POST", "/role/add_user/{}"),
        ("POST", "/role/remove_user/{}"),
        ("POST", "/role/add_permission/{}"),
        ("POST", "/role/remove_permission/{}"),
        ("GET", "/permission/view/{}"),
        ("POST", "/system_account/delete/{}"),
    ],
)
@pytest.mark.parametrize("bad", NOT_IDS)
def test_an_integer_path_id_that_cannot_exist_is_404(testapp, as_admin, method, path, bad):
    url = path.format(bad)
    call = testapp.get if method == "GET" else testapp.post
    response = call(url, headers=as_admin, status=404)
    assert response.json["success"] is False
    assert response.json["message"].startswith("no ")


@pytest.mark.parametrize(
    "path",
    [
        "/user/view/{}",
        "/user/update/{}",
        "/user/set_password/{}",
        "/api_key/view/{}",
        "/api_key/create/{}",
        "/api_key/delete/{}",
        "/api_key/set/{}",
    ],
)
@pytest.mark.parametrize("bad", ["g" * 32, "0" * 33, HUGE])
def test_a_user_id_that_is_not_a_uuid_is_404(testapp, as_admin, path, bad):
    call = testapp.get if "view" in path else testapp.post
    response = call(path.format(bad), {"name": "x"}, headers=as_admin, status=404)
    assert response.json["message"].startswith("no user")


def test_a_user_id_is_read_as_a_uuid_in_either_spelling(testapp, users, as_admin):
    user = users.make()
    dashed = str(uuid.UUID(user.id)).upper()
    body = testapp.get(f"/user/view/{dashed}", headers=as_admin).json
    assert body["data"]["id"] == user.id


@pytest.mark.parametrize("bad", [HUGE, "-1", "x", "1.0", "9" * 12])
def test_a_permission_id_parameter_that_cannot_exist_is_a_clear_4xx(testapp, as_admin, bad):
    role = testapp.get("/role/list", headers=as_admin).json["data"]["roles"][0]["id"]
    response = testapp.post(
        f"/role/add_permission/{role}", {"permission_id": bad}, headers=as_admin, status=(400, 404)
    )
    assert "permission" in response.json["message"]


@pytest.mark.parametrize("bad", [HUGE, "-1", "x", "1.0"])
def test_a_cloud_controller_id_parameter_that_cannot_exist_is_a_clear_4xx(testapp, as_admin, bad):
    response = testapp.post(
        "/system_account/create",
        {
            "user_id": as_admin["X-Auth-Cloudauth-Id"],
            "username": "root2",
            "uuid": "u",
            "cloud_controller_id": bad,
        },
        headers=as_admin,
        status=(400, 404),
    )
    assert "cloud_controller_id" in response.json["message"]


def test_renaming_a_cloud_controller_to_anothers_name_is_409(testapp, as_admin):
    first = testapp.post("/cloud_controller/create", {"name": "east"}, headers=as_admin).json
    testapp.post("/cloud_controller/create", {"name": "west"}, headers=as_admin)
    cc_id = first["data"]["id"]
    response = testapp.post(
        f"/cloud_controller/update/{cc_id}", {"name": " west "}, headers=as_admin, status=409
    )
    assert "west" in response.json["message"]
    # Its own name again is no clash.
    testapp.post(f"/cloud_controller/update/{cc_id}", {"name": "east"}, headers=as_admin)


def test_revoking_an_expired_token_does_not_claim_a_revocation(testapp, users, clock):
    user = users.make()
    token = login(testapp, user.email)["X-Auth-Token"]
    clock.advance(hours=1, seconds=1)
    response = testapp.post("/auth/revoke_token", {"auth_token": token}, status=401)
    assert response.json["success"] is False
    assert "expired" in response.json["message"]
