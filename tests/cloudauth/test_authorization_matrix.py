"""Each role against each Cloud Auth endpoint.

Actors: anonymous, a plain user, an account owner (who owns ``managed``), the controller's and
the accountant's service accounts, the superuser. ``stranger`` belongs to nobody. Expected
statuses follow the roles seeded by migration: 401 without a token, 403 without the endpoint's
permission (or, on a user the caller can see, without the right on that user), 404 for a user
the caller may not see at all.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from cloudauth.controllers.models import CloudController
from cloudauth.roles.models import Role

ACTORS = ["anonymous", "user", "owner", "cc_admin", "acct_admin", "superuser"]


def row(method, path, params, *statuses):
    return pytest.param(
        method, path, params, dict(zip(ACTORS, statuses, strict=True)), id=f"{method} {path}"
    )


MATRIX = [
    row("GET", "/user/list", {}, 401, 403, 200, 200, 200, 200),
    row("GET", "/user/view/{stranger}", {}, 401, 404, 404, 200, 200, 200),
    row("GET", "/user/view/{managed}", {}, 401, 404, 200, 200, 200, 200),
    row("GET", "/user/view/{self}", {}, 401, 200, 200, 200, 200, 200),
    row(
        "POST",
        "/user/create",
        {"email": "new@example.com", "password": "long enough"},
        401,
        403,
        201,
        403,
        403,
        201,
    ),
    row("POST", "/user/update/{managed}", {"name": "Renamed"}, 401, 403, 200, 403, 403, 200),
    row("POST", "/user/update/{stranger}", {"name": "Renamed"}, 401, 403, 404, 403, 403, 200),
    row(
        "POST",
        "/user/set_password/{managed}",
        {"password": "new password"},
        401,
        404,
        200,
        403,
        403,
        200,
    ),
    row(
        "POST",
        "/user/set_password/{stranger}",
        {"password": "new password"},
        401,
        404,
        404,
        403,
        403,
        200,
    ),
    row("GET", "/api_key/view/{managed}", {}, 401, 404, 200, 403, 403, 200),
    row("POST", "/api_key/create/{managed}", {}, 401, 404, 403, 403, 403, 201),
    row("POST", "/api_key/create/{self}", {}, 401, 201, 201, 201, 201, 201),
    row(
        "POST",
        "/api_key/set/{managed}",
        {"api_key": "k" * 20, "api_secret": "s" * 20},
        401,
        403,
        403,
        403,
        403,
        200,
    ),
    row("POST", "/api_key/delete/{managed}", {}, 401, 404, 403, 403, 403, 200),
    row("GET", "/role/list", {}, 401, 403, 403, 403, 403, 200),
    row("GET", "/role/view/{owner_role}", {}, 401, 403, 403, 403, 403, 200),
    row(
        "POST",
        "/role/add_user/{owner_role}",
        {"user_id": "{managed}"},
        401,
        403,
        403,
        403,
        403,
        200,
    ),
    row(
        "POST",
        "/role/remove_user/{owner_role}",
        {"user_id": "{managed}"},
        401,
        403,
        403,
        403,
        403,
        200,
    ),
    row(
        "POST",
        "/role/add_permission/{owner_role}",
        {"permission_id": "1"},
        401,
        403,
        403,
        403,
        403,
        200,
    ),
    row("GET", "/permission/list", {}, 401, 403, 403, 403, 403, 200),
    row("GET", "/permission/view/1", {}, 401, 403, 403, 403, 403, 200),
    row("GET", "/cloud_controller/list", {}, 401, 200, 200, 200, 200, 200),
    row("GET", "/cloud_controller/view/{cc}", {}, 401, 200, 200, 200, 200, 200),
    row("POST", "/cloud_controller/create", {"name": "east"}, 401, 403, 403, 403, 403, 201),
    row(
        "POST", "/cloud_controller/update/{cc}", {"description": "d"}, 401, 403, 403, 403, 403, 200
    ),
    row("GET", "/system_account/list", {}, 401, 403, 200, 200, 200, 200),
    row(
        "POST",
        "/system_account/create",
        {"user_id": "{managed}", "username": "mgd", "uuid": "u1", "cloud_controller_id": "{cc}"},
        401,
        403,
        403,
        201,
        403,
        201,
    ),
    row("GET", "/audit/list", {}, 401, 403, 403, 403, 403, 200),
    row("POST", "/auth/revoke_token", {"userid": "{managed}"}, 401, 404, 200, 403, 403, 200),
]


@pytest.fixture
def world(users, db):
    owner = users.make(roles=["account_owner"])
    ids = {
        "user": users.make(),
        "owner": owner,
        "cc_admin": users.make(roles=["cloudcontroller_admin"]),
        "acct_admin": users.make(roles=["cloudaccountant_admin"]),
        "superuser": users.admin(),
    }
    cc = CloudController(name="west")
    db.add(cc)
    db.commit()
    return {
        "actors": ids,
        "managed": users.make(owner=owner),
        "stranger": users.make(),
        "cc": cc.id,
        "owner_role": db.scalar(select(Role.id).where(Role.name == "account_owner")),
    }


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize(("method", "path", "params", "expected"), MATRIX)
def test_role_against_endpoint(testapp, users, world, actor, method, path, params, expected):
    def fill(text, me):
        return text.format(
            stranger=world["stranger"].id,
            managed=world["managed"].id,
            cc=world["cc"],
            owner_role=world["owner_role"],
            self=me,
        )

    me = world["actors"][actor].id if actor != "anonymous" else "nobody"
    headers = users.token(world["actors"][actor]) if actor != "anonymous" else {}
    params = {k: fill(v, me) for k, v in params.items()}
    call = testapp.get if method == "GET" else testapp.post
    response = call(fill(path, me), params, headers=headers, expect_errors=True)
    assert response.status_int == expected[actor], response.json
    assert response.json["success"] is (response.status_int < 400)
    if response.status_int >= 400:
        assert response.json["message"]
