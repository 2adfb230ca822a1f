"""The accountant's API over a real Cloud Auth (HTTP, real tokens): who sees whose usage,
parameter errors in the envelope, sorting and keyset pages of at most 1,200 rows."""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import uuid

import pytest
import webtest

from cloudaccountant import main
from cloudaccountant.usage.models import (
    Job,
    JobDaily,
    ServerInstanceDaily,
    StorageDaily,
    UserStorageDaily,
)
from common.cache import cache_from_url
from tests.cloudaccountant.cloudauth_live import start_cloudauth
from tests.cloudaccountant.helpers import add_jobs, d, t

REDIS_URL = os.environ.get("SCM_TEST_REDIS_URL")


@pytest.fixture(scope="module")
def cache_settings():
    if REDIS_URL:
        return {"cache.url": REDIS_URL, "cache.prefix": f"scmtest:{uuid.uuid4().hex}:"}
    return {"cache.url": f"memory://acct-{uuid.uuid4().hex}", "cache.prefix": "scm:"}


@pytest.fixture(scope="module")
def live(tmp_path_factory, cache_settings):
    cache = cache_from_url(cache_settings["cache.url"], cache_settings["cache.prefix"])
    url = f"sqlite:///{tmp_path_factory.mktemp('live-auth')}/cloudauth.sqlite"
    server = start_cloudauth(url, cache)
    yield server
    server.stop()


@pytest.fixture
def app(live, acct_db_url, acct_engine, acct_session_factory, cache_settings):
    wsgi = main(
        {},
        **{
            "sqlalchemy.accountant.url": acct_db_url,
            "cloudauth.url": live.url,
            "cloudauth.timeout": "5",
            "sqlalchemy.cloud.1.instances.url": "sqlite://",
            "sqlalchemy.cloud.2.slurm.server": "local",
            **cache_settings,
        },
    )
    wsgi.registry["scm.dbsession_factory"] = acct_session_factory
    return webtest.TestApp(wsgi)


@pytest.fixture
def rows(live, acct_session_factory):
    """Job summaries of every user on two days, plus one unmapped system user."""
    session = acct_session_factory()
    ids = live.ids
    for day in ("2026-03-01", "2026-03-02"):
        for who in ("owner", "managed1", "managed2", "owner2", "managed3", "plain", "admin"):
            session.add(_job_daily(day, ids[who], who))
        session.add(_job_daily(day, "", "nobody"))
    session.add(
        StorageDaily(
            date=d("2026-03-01"), cloud_controller_id=1, cloud_auth_userid=ids["plain"],
            resource_type="storage", volume_id="v" * 32, bytes=10**10,
        )
    )  # fmt: skip
    session.add(
        UserStorageDaily(
            date=d("2026-03-01"), cloud_controller_id=1, cloud_auth_userid=ids["plain"],
            resource_type="user_storage", pool="/pool", system_username="plain", bytes=123,
        )
    )  # fmt: skip
    session.add(
        ServerInstanceDaily(
            date=d("2026-03-01"), cloud_controller_id=1, cloud_auth_userid=ids["plain"],
            resource_type="server_instance", instance_id="i" * 32, flavor_id="m1", seconds=5400,
        )
    )  # fmt: skip
    job = Job(
        cloud_controller_id=2, resource_type="slurm", cluster="hpc", job_id="42",
        array_index=-1, submitted_at=t("2026-03-01T08:00"), started_at=t("2026-03-01T09:00"),
        ended_at=t("2026-03-02T01:00"), system_username="plain", cloud_auth_userid=ids["plain"],
        account="a", queue="normal", name="ジョブ", cores=4, nodes=1, gpus=0, state="COMPLETED",
        core_seconds=4 * 16 * 3600,
    )  # fmt: skip
    add_jobs(session, [job])
    session.commit()
    return session


def _job_daily(day, userid, system_username):
    return JobDaily(
        date=d(day), cloud_controller_id=2, cloud_auth_userid=userid, resource_type="slurm",
        cluster="hpc", queue="normal", system_username=system_username, jobs=1,
        core_seconds=7200,
    )  # fmt: skip


RANGE = {"start_date": "2026-03-01", "end_date": "2026-03-02"}


def _users(app, live, who, **params):
    body = app.get("/job", {**RANGE, **params}, headers=live.headers[who]).json
    assert body["success"] is True and body["msg"] == ""
    names = {v: k for k, v in live.ids.items()}
    return sorted(
        {names.get(r["cloud_auth_userid"], r["system_username"]) for r in body["data"]["rows"]}
    )


def test_every_usage_view_needs_the_named_permission_usage_view(app):
    views = app.app.registry.introspector.get_category("views")
    usage = {
        v["introspectable"]["route_name"]: [
            r["value"] for r in v["related"] if r.category_name == "permissions"
        ]
        for v in views
        if (v["introspectable"]["route_name"] or "").startswith("usage.")
    }
    assert set(usage) == {
        "usage.storage",
        "usage.user_storage",
        "usage.server_instance",
        "usage.job",
        "usage.job_detail",
    }
    assert all(names == ["usage:view"] for names in usage.values()), usage


def test_a_user_sees_only_their_own_usage(app, live, rows):
    assert _users(app, live, "plain") == ["plain"]
    assert _users(app, live, "managed1") == ["managed1"]


def test_an_account_owner_also_sees_their_managed_users(app, live, rows):
    assert _users(app, live, "owner") == ["managed1", "managed2", "owner"]
    assert _users(app, live, "owner", cloud_auth_userid=live.ids["managed2"]) == ["managed2"]
    assert _users(app, live, "owner", owner_userid=live.ids["owner"]) == [
        "managed1", "managed2", "owner"
    ]  # fmt: skip


def test_a_user_naming_themself_as_owner_sees_their_own_usage(app, live, rows):
    assert _users(app, live, "plain", owner_userid=live.ids["plain"]) == ["plain"]


def test_the_superuser_and_the_accountant_admin_see_everything(app, live, rows):
    everyone = ["admin", "managed1", "managed2", "managed3", "nobody", "owner", "owner2", "plain"]
    assert _users(app, live, "admin") == everyone
    assert _users(app, live, "auditor") == everyone
    assert _users(app, live, "admin", owner_userid=live.ids["owner2"]) == ["managed3", "owner2"]
    assert _users(app, live, "auditor", cloud_auth_userid=live.ids["managed1"]) == ["managed1"]


@pytest.mark.parametrize(
    ("who", "params", "status", "msg"),
    [
        ("plain", {"cloud_auth_userid": "managed1"}, 403,
         "you may not see the usage of user {managed1}"),
        ("owner", {"cloud_auth_userid": "managed3"}, 403,
         "you may not see the usage of user {managed3}"),
        ("owner", {"owner_userid": "owner2"}, 403,
         "only the superuser may ask for another account owner's usage"),
        ("plain", {"owner_userid": "owner"}, 403,
         "only the superuser may ask for another account owner's usage"),
        ("admin", {"owner_userid": "f" * 32}, 400, "unknown owner_userid " + "f" * 32),
        ("admin", {"cloud_auth_userid": "f" * 32}, 400, "unknown cloud_auth_userid " + "f" * 32),
        ("admin", {"owner_userid": "owner", "cloud_auth_userid": "managed3"}, 400,
         "user {managed3} is not managed by {owner}"),
        ("admin", {"cloud_auth_userid": "Robert'); DROP"}, 400,
         "parameter cloud_auth_userid must be a Cloud Auth user id (32 hex digits)"),
    ],
)  # fmt: skip
def test_forbidden_and_unknown_users_are_refused_in_the_envelope(
    app, live, rows, who, params, status, msg
):
    params = {k: live.ids.get(v, v) for k, v in params.items()}
    body = app.get("/job", {**RANGE, **params}, headers=live.headers[who], status=status).json
    assert body == {"data": None, "msg": msg.format(**live.ids), "success": False}


@pytest.mark.parametrize(
    ("params", "msg"),
    [
        ({"start_date": "2026-03-01"}, "parameter end_date is required"),
        ({**RANGE, "start_date": "01/03/2026"},
         "parameter start_date must be a date YYYY-MM-DD, not '01/03/2026'"),
        ({**RANGE, "end_date": "2026-02-30"},
         "parameter end_date must be a date YYYY-MM-DD, not '2026-02-30'"),
        ({"start_date": "2026-03-02", "end_date": "2026-03-01"}, "end_date is before start_date"),
        ({**RANGE, "cloud_controller_id": "7"}, "unknown cloud_controller_id 7"),
        ({**RANGE, "cloud_controller_id": "one"},
         "parameter cloud_controller_id must be a whole number"),
        ({**RANGE, "userid": "x"}, "unknown parameter userid"),
        ({**RANGE, "after": "bm90IGEgY3Vyc29y"},
         "parameter after is not a cursor this listing returned"),
        ({**RANGE, "limit": "1201"}, "parameter limit must be between 1 and 1200"),
    ],
)  # fmt: skip
def test_bad_parameters_are_400_with_a_message(app, live, rows, params, msg):
    body = app.get("/job", params, headers=live.headers["plain"], status=400).json
    assert body == {"data": None, "msg": msg, "success": False}


def _cursor(values) -> str:
    text = json.dumps(values)
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


USER = "0" * 32
JOB_KEY = ["2026-03-01", 2, USER, "slurm", "hpc", "normal", "plain"]
DETAIL_KEY = ["2026-03-01T00:00:00", 2, USER, "slurm", "hpc", "42", -1,
              "2026-03-01T00:00:00", "2026-03-01T00:00:00"]  # fmt: skip
BAD_CURSORS = [
    ("/job", _cursor([JOB_KEY[0], 10**30, *JOB_KEY[2:]])),
    ("/job", _cursor([JOB_KEY[0], -(10**30), *JOB_KEY[2:]])),
    ("/job", _cursor([JOB_KEY[0], 2**31, *JOB_KEY[2:]])),
    ("/job", _cursor(["9999-12-31", *JOB_KEY[1:]])),
    ("/job", _cursor([*JOB_KEY[:4], "x" * 65, *JOB_KEY[5:]])),
    ("/job", _cursor([JOB_KEY[0], 1.5, *JOB_KEY[2:]])),
    ("/job/detail", _cursor([*DETAIL_KEY[:6], 10**30, *DETAIL_KEY[7:]])),
    ("/job/detail", _cursor(["9999-12-31T23:59:59", *DETAIL_KEY[1:]])),
    ("/job/detail", _cursor(["2026-03-01T00:00:00+05:00", *DETAIL_KEY[1:]])),
]


@pytest.mark.parametrize(("path", "cursor"), BAD_CURSORS)
def test_a_cursor_holding_an_out_of_range_value_is_a_400(app, live, rows, path, cursor):
    body = app.get(path, {**RANGE, "after": cursor}, headers=live.headers["plain"], status=400)
    assert body.json == {
        "data": None,
        "msg": "parameter after is not a cursor this listing returned",
        "success": False,
    }


def test_a_cursor_within_range_still_reads_on(app, live, rows):
    for path, key in (("/job", JOB_KEY), ("/job/detail", DETAIL_KEY)):
        query = {**RANGE, "after": _cursor(key)}
        assert app.get(path, query, headers=live.headers["admin"]).json["success"] is True


@pytest.mark.parametrize("path", ["/job", "/job/detail", "/storage", "/server-instance"])
@pytest.mark.parametrize(
    ("params", "msg"),
    [
        ({"start_date": "2026-03-01", "end_date": "9999-12-31"},
         "parameter end_date must be between 1970-01-01 and 9000-12-31"),
        ({"start_date": "0001-01-01", "end_date": "2026-03-01"},
         "parameter start_date must be between 1970-01-01 and 9000-12-31"),
    ],
)  # fmt: skip
def test_dates_out_of_range_are_400_on_every_listing(app, live, rows, path, params, msg):
    body = app.get(path, params, headers=live.headers["admin"], status=400).json
    assert body == {"data": None, "msg": msg, "success": False}


def test_tokens_are_checked_and_only_get_is_allowed(app, live, rows):
    assert app.get("/job", RANGE, status=401).json["msg"] == "missing, invalid or expired token"
    forged = dict(live.headers["plain"], **{"X-Auth-Token": "Z" * 32})
    app.get("/job", RANGE, headers=forged, status=401)
    other = dict(live.headers["plain"], **{"X-Auth-Cloudauth-Id": live.ids["owner"]})
    app.get("/job", RANGE, headers=other, status=401)
    app.post("/job", RANGE, headers=live.headers["plain"], status=405)
    app.get("/nothing", headers=live.headers["plain"], status=404)


def test_every_family_answers_in_its_own_shape(app, live, rows):
    plain = live.headers["plain"]
    one_day = {"start_date": "2026-03-01", "end_date": "2026-03-01"}
    base = {"date": "2026-03-01", "cloud_controller_id": 1, "cloud_auth_userid": live.ids["plain"]}
    assert app.get("/storage", one_day, headers=plain).json["data"]["rows"] == [
        {**base, "resource_type": "storage", "volume_id": "v" * 32, "bytes": 10**10}
    ]
    assert app.get("/user-storage", one_day, headers=plain).json["data"]["rows"] == [
        {**base, "resource_type": "user_storage", "pool": "/pool", "system_username": "plain",
         "bytes": 123}
    ]  # fmt: skip
    assert app.get("/v1/server-instance", one_day, headers=plain).json["data"]["rows"] == [
        {**base, "resource_type": "server_instance", "instance_id": "i" * 32, "flavor_id": "m1",
         "seconds": 5400, "hours": 1.5}
    ]  # fmt: skip
    job = app.get("/v1.1/job", one_day, headers=plain).json["data"]
    assert job == {
        "rows": [
            {**base, "cloud_controller_id": 2, "resource_type": "slurm", "cluster": "hpc",
             "queue": "normal", "system_username": "plain", "jobs": 1, "core_seconds": 7200,
             "core_hours": 2.0}
        ],
        "next": None,
    }  # fmt: skip


def test_job_detail_lists_the_jobs_that_ended_in_the_range(app, live, rows):
    plain = live.headers["plain"]
    first = {"start_date": "2026-03-01", "end_date": "2026-03-01"}
    assert app.get("/job/detail", first, headers=plain).json["data"]["rows"] == []
    second = {"start_date": "2026-03-02", "end_date": "2026-03-02"}
    (job,) = app.get("/job/detail", second, headers=plain).json["data"]["rows"]
    assert job["job_id"] == "42" and job["name"] == "ジョブ"
    assert job["started_at"] == "2026-03-01T09:00:00" and job["ended_at"] == "2026-03-02T01:00:00"
    assert job["core_hours"] == 64.0


def test_pages_hold_at_most_1200_rows_and_follow_the_sort_key(app, live, acct_session_factory):
    session = acct_session_factory()
    userid = live.ids["managed1"]
    start = dt.date(2025, 1, 1)
    for n in range(400):
        for queue in ("a", "b", "c", "d", "e", "f", "g"):
            session.add(
                JobDaily(
                    date=start + dt.timedelta(days=n), cloud_controller_id=2,
                    cloud_auth_userid=userid, resource_type="slurm", cluster="hpc", queue=queue,
                    system_username="m1", jobs=1, core_seconds=n,
                )
            )  # fmt: skip
    session.commit()
    params = {"start_date": "2025-01-01", "end_date": "2026-12-31"}
    seen, pages, after = [], [], None
    while True:
        query = dict(params, **({"after": after} if after else {}))
        data = app.get("/job", query, headers=live.headers["owner"]).json["data"]
        pages.append(len(data["rows"]))
        seen += [(r["date"], r["queue"]) for r in data["rows"]]
        after = data["next"]
        if after is None:
            break
    assert pages == [1200, 1200, 400]
    assert len(seen) == 2800 and seen == sorted(seen) and len(set(seen)) == 2800
    small = app.get("/job", dict(params, limit="3"), headers=live.headers["owner"]).json["data"]
    assert [r["queue"] for r in small["rows"]] == ["a", "b", "c"] and small["next"]


def test_an_owners_managed_users_are_asked_of_cloud_auth_once_then_cached(
    app, live, rows, cache_settings
):
    cache = cache_from_url(cache_settings["cache.url"], cache_settings["cache.prefix"])
    cache.delete(f"managed:{live.ids['owner']}")
    _users(app, live, "owner")
    cached = cache.get(f"managed:{live.ids['owner']}")
    assert sorted(cached) == sorted([live.ids["managed1"], live.ids["managed2"]])
