from __future__ import annotations

import io

from sqlalchemy import select

from cloudauth.audit.models import AuditEvent
from cloudauth.users.models import User


def test_account_owner_creates_users_they_own(testapp, users):
    owner = users.make(roles=["account_owner"])
    headers = users.token(owner)
    body = testapp.post(
        "/user/create",
        {"email": "b@example.com", "password": "long enough", "owner_userid": "ignored"},
        headers=headers,
        status=201,
    ).json["data"]
    assert body["owner_userid"] == owner.id
    listed = testapp.get("/user/list", headers=headers).json["data"]
    assert {u["id"] for u in listed["users"]} == {owner.id, body["id"]}
    assert listed["total"] == 2


def test_superuser_sees_everyone_and_the_extra_fields(testapp, users):
    owner = users.make(roles=["account_owner"])
    users.make(owner=owner)
    data = testapp.get("/user/list", headers=users.token(users.admin())).json["data"]
    assert data["total"] == 3
    row = next(u for u in data["users"] if u["id"] == owner.id)
    assert row["num_owned_accounts"] == 1
    assert row["roles"] == ["account_owner"]
    assert {"api_key", "registration_source"} <= set(row)
    assert "password_hash" not in str(data) and "password" not in row


def test_owner_does_not_see_superuser_fields(testapp, users):
    owner = users.make(roles=["account_owner"])
    row = testapp.get(f"/user/view/{owner.id}", headers=users.token(owner)).json["data"]
    assert "roles" not in row and "api_key" not in row


def test_email_is_unique_case_insensitively(testapp, users):
    users.make(email="dup@example.com")
    response = testapp.post(
        "/user/create",
        {"email": "DUP@Example.com", "password": "long enough"},
        headers=users.token(users.admin()),
        status=409,
    )
    assert "already exists" in response.json["message"]


def test_bad_email_and_short_password_are_400(testapp, users):
    headers = users.token(users.admin())
    assert (
        "valid address"
        in testapp.post(
            "/user/create",
            {"email": "not-an-email", "password": "long enough"},
            headers=headers,
            status=400,
        ).json["message"]
    )
    assert (
        "at least"
        in testapp.post(
            "/user/create",
            {"email": "ok@example.com", "password": "short"},
            headers=headers,
            status=400,
        ).json["message"]
    )


def test_inactive_users_are_hidden_unless_asked(testapp, users):
    users.make(active=0)
    headers = users.token(users.admin())
    assert testapp.get("/user/list", headers=headers).json["data"]["total"] == 1
    assert (
        testapp.get("/user/list", {"show_inactive": "1"}, headers=headers).json["data"]["total"]
        == 2
    )


def test_registration_source_filter_is_superusers_only(testapp, users):
    owner = users.make(roles=["account_owner"])
    testapp.get(
        "/user/list", {"registration_source": "ldap"}, headers=users.token(owner), status=400
    )
    testapp.get(
        "/user/list",
        {"registration_source": "ldap"},
        headers=users.token(users.admin()),
        status=200,
    )


def test_deactivating_a_user_revokes_their_tokens(testapp, users):
    owner = users.make(roles=["account_owner"])
    managed = users.make(owner=owner)
    managed_headers = users.token(managed)
    testapp.get(f"/user/view/{managed.id}", headers=managed_headers, status=200)
    testapp.post(
        f"/user/update/{managed.id}", {"active": "0"}, headers=users.token(owner), status=200
    )
    testapp.get(f"/user/view/{managed.id}", headers=managed_headers, status=401)


def test_nobody_deactivates_themself(testapp, users):
    admin = users.admin()
    testapp.post(
        f"/user/update/{admin.id}", {"active": "0"}, headers=users.token(admin), status=409
    )


def test_only_superuser_moves_users_between_owners(testapp, users):
    owner, other = users.make(roles=["account_owner"]), users.make(roles=["account_owner"])
    managed = users.make(owner=owner)
    testapp.post(
        f"/user/update/{managed.id}",
        {"owner_userid": other.id},
        headers=users.token(owner),
        status=400,
    )
    body = testapp.post(
        f"/user/update/{managed.id}", {"owner_userid": other.id}, headers=users.token(users.admin())
    ).json
    assert body["data"]["owner_userid"] == other.id


def test_self_service_password_change_needs_the_current_one(testapp, users):
    user = users.make()
    headers = users.token(user)
    testapp.post(
        f"/user/set_password/{user.id}", {"password": "brand new pw"}, headers=headers, status=400
    )
    testapp.post(
        f"/user/set_password/{user.id}",
        {"password": "brand new pw", "current_password": "correct horse"},
        headers=headers,
    )
    testapp.post("/auth/login", {"username": user.email, "password": "brand new pw"}, status=200)


def test_changing_admins_password_clears_the_default_flag(testapp, users):
    admin = users.admin()
    headers = users.token(admin)
    body = testapp.post(
        f"/user/set_password/{admin.id}",
        {"password": "a better one", "current_password": "Penguin"},
        headers=headers,
    ).json
    assert body["data"]["default_password"] is False
    login = testapp.post("/auth/login", {"username": "admin", "password": "a better one"}).json
    assert login["data"]["default_password"] is False


def test_the_last_superuser_stays(testapp, users):
    admin = users.admin()
    headers = users.token(admin)
    roles = testapp.get("/role/list", headers=headers).json["data"]["roles"]
    superuser = next(r for r in roles if r["name"] == "superuser")
    assert superuser["permissions"]  # every permission, as data
    testapp.post(
        f"/role/remove_user/{superuser['id']}", {"user_id": admin.id}, headers=headers, status=409
    )
    second = users.make(roles=["superuser"])
    testapp.post(
        f"/role/remove_user/{superuser['id']}", {"user_id": admin.id}, headers=headers, status=200
    )
    members = testapp.get(f"/role/view/{superuser['id']}", headers=users.token(second)).json[
        "data"
    ]["members"]
    assert [m["id"] for m in members] == [second.id]


def test_role_changes_are_audited(testapp, users, db):
    admin, user = users.admin(), users.make()
    headers = users.token(admin)
    role = next(
        r
        for r in testapp.get("/role/list", headers=headers).json["data"]["roles"]
        if r["name"] == "account_owner"
    )
    testapp.post(f"/role/add_user/{role['id']}", {"user_id": user.id}, headers=headers)
    event = db.scalar(select(AuditEvent).where(AuditEvent.event == "role.member_added"))
    assert (
        event.subject_userid == user.id
        and event.actor_userid == admin.id
        and event.detail == "account_owner"
    )
    audit = testapp.get("/audit/list", {"userid": user.id}, headers=headers).json["data"]
    assert audit["events"][0]["event"] == "role.member_added"


def test_system_account_names_are_unique_per_controller(testapp, users):
    headers = users.token(users.admin())
    cc = testapp.post(
        "/cloud_controller/create", {"name": "west"}, headers=headers, status=201
    ).json["data"]["id"]
    alice, bob = users.make(), users.make()
    form = {"user_id": alice.id, "username": "alice", "uuid": "u-a", "cloud_controller_id": cc}
    testapp.post("/system_account/create", form, headers=headers, status=201)
    testapp.post("/system_account/create", dict(form, user_id=bob.id), headers=headers, status=409)
    testapp.post(
        "/system_account/create", dict(form, username="alice2"), headers=headers, status=409
    )
    testapp.post(
        "/system_account/create",
        dict(form, user_id=bob.id, username="Bad Name"),
        headers=headers,
        status=400,
    )
    view = testapp.get(f"/user/view/{alice.id}", headers=headers).json["data"]
    assert view["system_accounts"] == [
        {
            "id": view["system_accounts"][0]["id"],
            "username": "alice",
            "uuid": "u-a",
            "cloud_controller_id": cc,
        }
    ]


def test_cloud_controller_ids_are_integers_from_one(testapp, users):
    headers = users.token(users.admin())
    first = testapp.post(
        "/cloud_controller/create", {"name": "one"}, headers=headers, status=201
    ).json["data"]
    second = testapp.post(
        "/cloud_controller/create", {"name": "two"}, headers=headers, status=201
    ).json["data"]
    assert isinstance(first["id"], int) and second["id"] == first["id"] + 1
    testapp.post("/cloud_controller/create", {"name": "one"}, headers=headers, status=409)


def test_set_password_script_reads_stdin_not_argv(auth_db_url, tmp_path, capsys, auth_engine):
    from cloudauth.scripts.set_password import main

    ini = tmp_path / "cloudauth.ini"
    ini.write_text(
        "[app:main]\nuse = egg:scm#cloudauth\n"
        f"sqlalchemy.url = {auth_db_url}\n"
        "apikey.encryption_keys = ZGVtby1vbmx5LWtleS1kby1ub3QtdXNlLWluLXByb2Q=\n"
    )
    stdin = io.StringIO("tiny\n")
    assert main([str(ini), "admin"], stdin=stdin) == 1
    assert "at least" in capsys.readouterr().err
    assert main([str(ini), "nobody"], stdin=io.StringIO("long enough pw\n")) == 1
    assert "no user" in capsys.readouterr().err
    from sqlalchemy.orm import Session

    from cloudauth.passwords import verify_password

    try:
        assert main([str(ini), "admin"], stdin=io.StringIO("a new admin pw\n")) == 0
        with Session(auth_engine) as session:
            admin = session.scalar(select(User).where(User.username == "admin"))
            assert verify_password(admin.password_hash, "a new admin pw")
            assert admin.default_password is False
    finally:
        from cloudauth.passwords import hash_password

        with Session(auth_engine) as session:  # the script commits for real: put admin back
            admin = session.scalar(select(User).where(User.username == "admin"))
            admin.password_hash, admin.default_password = hash_password("Penguin"), True
            session.commit()


def test_purge_tokens_removes_only_long_ended_ones(auth_db_url, auth_engine, tmp_path, capsys):
    import datetime as dt

    from sqlalchemy.orm import Session

    from cloudauth.scripts.purge_tokens import main
    from cloudauth.tokenstore.models import Token

    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    ini = tmp_path / "cloudauth.ini"
    ini.write_text(
        "[app:main]\nuse = egg:scm#cloudauth\n"
        f"sqlalchemy.url = {auth_db_url}\n"
        "apikey.encryption_keys = ZGVtby1vbmx5LWtleS1kby1ub3QtdXNlLWluLXByb2Q=\n"
    )
    with Session(auth_engine) as session:
        admin = session.scalar(select(User).where(User.username == "admin"))
        rows = {
            "old-expired": dict(expires_at=now - dt.timedelta(days=9)),
            "new-expired": dict(expires_at=now - dt.timedelta(days=1)),
            "old-revoked": dict(
                expires_at=now + dt.timedelta(hours=1), revoked_at=now - dt.timedelta(days=8)
            ),
            "live": dict(expires_at=now + dt.timedelta(hours=1)),
        }
        for name, kw in rows.items():
            session.add(
                Token(token_hash=name.ljust(64, "0"), user_id=admin.id, source="test", **kw)
            )
        session.commit()
    try:
        assert main([str(ini), "--keep", "7d"]) == 0
        assert "purged 2" in capsys.readouterr().out
        with Session(auth_engine) as session:
            left = {t.token_hash.rstrip("0") for t in session.scalars(select(Token))}
        assert {"new-expired", "live"} <= left and not {"old-expired", "old-revoked"} & left
        assert main([str(ini), "--keep", "soon"]) == 2
    finally:
        from sqlalchemy import delete

        with Session(auth_engine) as session:
            session.execute(delete(Token))
            session.commit()


def test_account_owner_cannot_mint_directory_accounts(testapp, users):
    owner = users.make(roles=["account_owner"])
    response = testapp.post(
        "/user/create",
        {"email": "x@example.com", "registration_source": "ldap"},
        headers=users.token(owner),
        status=400,
    )
    assert "only the superuser" in response.json["message"]


def test_service_account_script_is_idempotent_and_keeps_secrets_off_argv(
    auth_db_url, auth_engine, tmp_path, capsys
):
    from sqlalchemy import delete
    from sqlalchemy.orm import Session

    from cloudauth.controllers.models import CloudController
    from cloudauth.scripts.service_account import main

    ini = tmp_path / "cloudauth.ini"
    ini.write_text(
        "[app:main]\nuse = egg:scm#cloudauth\n"
        f"sqlalchemy.url = {auth_db_url}\n"
        "apikey.encryption_keys = ZGVtby1vbmx5LWtleS1kby1ub3QtdXNlLWluLXByb2Q=\n"
    )
    args = [str(ini), "--email", "cc1@example.com", "--role", "cloudcontroller_admin"]
    try:
        assert main([*args, "--cloud-controller-id", "1", "--cloud-controller-name", "west"]) == 0
        first = capsys.readouterr().out
        assert "api_secret" in first
        assert main(args) == 0
        again = capsys.readouterr().out
        assert "api_secret" not in again  # an existing key is kept, its secret never shown again
        assert first.split("api_key")[1].split()[0] == again.split("api_key")[1].split()[0]
        assert main([*args, "--api-key", "cc1-key-000001"], stdin=io.StringIO("")) == 2
        assert (
            main(
                [*args, "--api-key", "cc1-key-000001", "--secret-from-stdin"],
                stdin=io.StringIO("s" * 32 + "\n"),
            )
            == 0
        )
        with Session(auth_engine) as session:
            user = session.scalar(select(User).where(User.email_key == "cc1@example.com"))
            assert user.role_names == ["cloudcontroller_admin"] and user.api_key == "cc1-key-000001"
            assert session.get(CloudController, 1).name == "west"
    finally:
        with Session(auth_engine) as session:
            user = session.scalar(select(User).where(User.email_key == "cc1@example.com"))
            if user is not None:
                user.roles = []
                session.delete(user)
            session.execute(delete(CloudController))
            session.commit()


def test_superuser_list_searches_sorts_and_pages(testapp, users):
    headers = users.token(users.admin())
    made = [
        users.make(email=f"sort{i:02d}@lab{i % 3}.example.org", name=f"Zed {i:02d}")
        for i in range(12)
    ]
    users.make(email="other@elsewhere.example.com", name="Someone_Else")

    def page(**params):
        return testapp.get("/user/list", params, headers=headers).json["data"]

    found = page(search="LAB1.example", sort="email")
    assert [u["email"] for u in found["users"]] == [
        f"sort{i:02d}@lab1.example.org" for i in (1, 4, 7, 10)
    ]
    assert found["total"] == 4
    by_name = page(search="zed", sort="name", order="desc", limit="5", offset="5")
    assert by_name["total"] == 12
    assert [u["name"] for u in by_name["users"]] == [f"Zed {i:02d}" for i in (6, 5, 4, 3, 2)]
    assert page(search="_")["total"] == 1  # "_" is a literal, not a wildcard
    chosen = page(userid=[made[0].id, made[5].id], sort="email")
    assert [u["id"] for u in chosen["users"]] == [made[0].id, made[5].id]
    for bad, words in (
        ({"sort": "password_hash"}, "sort must be one of"),
        ({"order": "up"}, "order must be asc or desc"),
        ({"userid": "../etc"}, "UUID"),
    ):
        assert words in testapp.get("/user/list", bad, headers=headers, status=400).json["message"]
    # without the new parameters the list is as before: everyone
    assert page()["total"] == 14


def test_a_directory_users_name_and_email_stay_the_directorys(testapp, users):
    """LDAP and SSO logins write the user's name and email again each time: a change through
    the API would silently come undone, so it is refused with where to make it. The same
    values sent back, and every other field, still pass."""
    admin = users.token(users.admin())
    for source, where in (("ldap", "the LDAP directory"), ("sso", "the SSO identity provider")):
        made = testapp.post(
            "/user/create",
            {
                "email": f"Dir.{source}@example.com",
                "name": "Dee Rectory",
                "registration_source": source,
            },
            headers=admin,
            status=201,
        ).json["data"]
        update = f"/user/update/{made['id']}"
        for change in ({"name": "Someone Else"}, {"email": f"other.{source}@example.com"}):
            refused = testapp.post(update, change, headers=admin, status=409).json
            field = next(iter(change))
            assert refused["message"] == f"this user's {field} comes from {where}; change it there"
        unchanged = {"name": "Dee Rectory", "email": f"dir.{source}@EXAMPLE.com", "active": "0"}
        body = testapp.post(update, unchanged, headers=admin, status=200).json["data"]
        assert (body["name"], body["email"], body["active"]) == (
            "Dee Rectory",
            f"Dir.{source}@example.com",
            0,
        )
    local = users.make()
    renamed = testapp.post(f"/user/update/{local.id}", {"name": "New Name"}, headers=admin).json
    assert renamed["data"]["name"] == "New Name"
