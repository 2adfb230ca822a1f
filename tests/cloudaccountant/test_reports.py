"""Reports over the accountant's rows (issue 13), over a real Cloud Auth: every granularity and
grouping against figures computed by hand, a day across a DST change in America/New_York, a job
across a month boundary, visibility, report_queues, CSV, and bad input."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import types
import uuid

import pytest
import webtest
from webob import Request

from cloudaccountant import main
from cloudaccountant.reports import packed
from cloudaccountant.usage.models import Job, ServerInstanceDaily, StorageDaily
from common.cache import cache_from_url
from tests.cloudaccountant.cloudauth_live import start_cloudauth
from tests.cloudaccountant.helpers import add_jobs, d, t

REDIS_URL = os.environ.get("SCM_TEST_REDIS_URL")
GB = 1024**3
ZONE = "America/New_York"  # 2026-03-08 lasts 23 hours there: [05:00Z, next day 04:00Z)


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    if REDIS_URL:
        cache_url, prefix = REDIS_URL, f"scmtest:{uuid.uuid4().hex}:"
    else:
        cache_url, prefix = f"memory://rep-{uuid.uuid4().hex}", "scm:"
    url = f"sqlite:///{tmp_path_factory.mktemp('rep-auth')}/cloudauth.sqlite"
    server = start_cloudauth(url, cache_from_url(cache_url, prefix))
    server.cache_settings = {"cache.url": cache_url, "cache.prefix": prefix}
    yield server
    server.stop()


@pytest.fixture
def app(live, acct_db_url, acct_engine, acct_session_factory):
    wsgi = main(
        {},
        **{
            "sqlalchemy.accountant.url": acct_db_url,
            "cloudauth.url": live.url,
            "accounting.timezone": ZONE,
            "reports.max_days": "62",
            "sqlalchemy.cloud.1.instances.url": "sqlite://",
            "sqlalchemy.cloud.2.slurm.server": "local",
            "sqlalchemy.cloud.3.slurm.server": "local",
            **live.cache_settings,
        },
    )
    wsgi.registry["scm.dbsession_factory"] = acct_session_factory
    return webtest.TestApp(wsgi)


def _job(userid, job_id, start, end, cores, gpus=0, queue="normal", cc=2, account="physics"):
    seconds = int((t(end) - t(start)).total_seconds())
    return Job(
        cloud_controller_id=cc, resource_type="slurm", cluster="hpc", job_id=job_id,
        array_index=-1, submitted_at=t(start), started_at=t(start), ended_at=t(end),
        system_username="u" + job_id, cloud_auth_userid=userid, account=account, queue=queue,
        name="=cmd()" if job_id == "1" else "job", cores=cores, nodes=1, gpus=gpus,
        state="COMPLETED", core_seconds=cores * seconds,
    )  # fmt: skip


@pytest.fixture
def jobs(live, acct_session_factory):
    """UTC times; local dates in America/New_York.

    1. managed1, 1 core, 04:00Z-05:00Z Mar 8: 23:00-24:00 on Mar 7 (ends at local midnight:
       Mar 7's job).
    2. managed1, 2 cores, Mar 8 05:00Z to Mar 9 04:00Z: the whole 23-hour Mar 8: 46 core-h.
    3. owner, 3 cores 1 GPU, Mar 31 20:00 EDT to Apr 1 04:00 EDT: 4 h in each month.
    4. managed3 (owner2's user), 8 cores, Mar 8, in queue gpu.
    5. managed1 on controller 3, queue debug, 1 core, 2 h on Mar 8.
    """
    ids = live.ids
    session = acct_session_factory()
    add_jobs(
        session,
        [
            _job(ids["managed1"], "1", "2026-03-08T04:00", "2026-03-08T05:00", 1),
            _job(ids["managed1"], "2", "2026-03-08T05:00", "2026-03-09T04:00", 2),
            _job(ids["owner"], "3", "2026-04-01T00:00", "2026-04-01T08:00", 3, gpus=1),
            _job(ids["managed3"], "4", "2026-03-08T12:00", "2026-03-08T14:00", 8, queue="gpu"),
            _job(ids["managed1"], "5", "2026-03-08T12:00", "2026-03-08T14:00", 1, cc=3,
                 queue="debug"),
        ]
    )  # fmt: skip
    session.commit()
    return session


def _report(app, live, who, path="/report/job", status=200, **params):
    body = app.get(path, params, headers=live.headers[who], status=status).json
    if status == 200:
        assert body["success"] is True, body
        return body["data"]
    assert body["success"] is False
    return body["msg"]


def _figures(data, *keys):
    return {
        tuple(row[k] for k in ("period", *data["group_by"])): tuple(row[k] for k in keys)
        for row in data["rows"]
    }


MARCH_DST = {"start_date": "2026-03-07", "end_date": "2026-03-09"}


def test_a_day_across_the_dst_change_lasts_23_hours(app, live, jobs):
    data = _report(app, live, "owner", **MARCH_DST, granularity="day")
    # owner sees managed1 (jobs 1, 2, 5) and themself, never managed3 (job 4).
    assert _figures(data, "jobs", "core_hours") == {
        ("2026-03-07",): (1, 1.0),
        ("2026-03-08",): (2, 46.0 + 2.0),
    }
    assert data["totals"] == {"jobs": 3, "core_hours": 49.0, "gpu_hours": 0.0}
    assert data["timezone"] == ZONE
    assert [m["name"] for m in data["metrics"]] == ["jobs", "core_hours", "gpu_hours"]


def test_jobs_at_every_midnight_of_ten_days_fall_on_the_right_day(app, live, acct_session_factory):
    """Each May day (EDT, UTC-4) of 2026 has a 2-core-hour job ending at its local midnight
    (that day's) and a 1-core-hour job starting at it (the next day's); one 26-hour job runs
    from 23:00 on the 3rd to 01:00 on the 5th. Ten periods: the report's tree of bounds splits
    unevenly, and every job sits on a bound."""
    owner = live.ids["owner"]

    def local(day: int, hour: int) -> str:  # May ``day`` at ``hour`` EDT, in UTC
        moment = t("2026-05-01T04:00") + dt.timedelta(days=day - 1, hours=hour)
        return moment.isoformat(timespec="minutes")

    session = acct_session_factory()
    rows = []
    for day in range(1, 11):
        rows.append(_job(owner, f"a{day}", local(day, 22), local(day + 1, 0), 1))
        rows.append(_job(owner, f"b{day}", local(day, 0), local(day, 1), 1))
    rows.append(_job(owner, "c", local(3, 23), local(5, 1), 1))
    add_jobs(session, rows)
    session.commit()
    data = _report(
        app, live, "owner", start_date="2026-05-01", end_date="2026-05-10", granularity="day"
    )
    expected = {(f"2026-05-{day:02d}",): (2, 3.0) for day in range(1, 11)}
    expected[("2026-05-03",)] = (2, 4.0)
    expected[("2026-05-04",)] = (2, 27.0)
    expected[("2026-05-05",)] = (3, 4.0)
    assert _figures(data, "jobs", "core_hours") == expected
    assert data["totals"]["jobs"] == 21 and data["totals"]["core_hours"] == 56.0


def test_iso_weeks_and_controller_grouping(app, live, jobs):
    data = _report(app, live, "owner", **MARCH_DST, granularity="week", group_by="controller")
    # 2026-03-07 and -08 are the Saturday and Sunday of ISO week 10; Monday the 9th is week 11.
    assert _figures(data, "jobs", "core_hours") == {
        ("2026-W10", 2): (2, 47.0),
        ("2026-W10", 3): (1, 2.0),
    }
    assert data["rows"][0]["period_start"] == "2026-03-02"


def test_a_job_across_a_month_boundary_is_split_by_month(app, live, jobs):
    data = _report(
        app, live, "owner", start_date="2026-03-01", end_date="2026-04-30",
        granularity="month", cloud_auth_userid=live.ids["owner"],
    )  # fmt: skip
    assert _figures(data, "jobs", "core_hours", "gpu_hours") == {
        ("2026-03",): (0, 12.0, 4.0),  # Mar 31 20:00-24:00 EDT, 3 cores, 1 GPU
        ("2026-04",): (1, 12.0, 4.0),  # counted once, in the month it ended
    }
    assert data["totals"] == {"jobs": 1, "core_hours": 24.0, "gpu_hours": 8.0}


def test_a_range_that_cuts_a_job_counts_only_its_part_and_not_the_job(app, live, jobs):
    data = _report(app, live, "admin", start_date="2026-03-31", end_date="2026-03-31")
    assert data["totals"] == {"jobs": 0, "core_hours": 12.0, "gpu_hours": 4.0}


def test_year_grouped_by_user_shows_only_what_the_caller_may_see(app, live, jobs):
    ids = live.ids
    range_ = {"start_date": "2026-01-01", "end_date": "2026-12-31", "granularity": "year"}
    owner = _report(app, live, "owner", **range_, group_by="user")
    assert _figures(owner, "jobs", "core_hours") == {
        ("2026", ids["managed1"]): (3, 49.0),
        ("2026", ids["owner"]): (1, 24.0),
    }
    owner2 = _report(app, live, "owner2", **range_, group_by="user")
    assert _figures(owner2, "jobs", "core_hours") == {("2026", ids["managed3"]): (1, 16.0)}
    assert _report(app, live, "plain", **range_)["rows"] == []
    admin = _report(app, live, "admin", **range_, group_by="user")
    assert admin["totals"] == {"jobs": 5, "core_hours": 89.0, "gpu_hours": 8.0}
    # The superuser acting for owner2 sees what owner2 sees.
    acting = _report(app, live, "admin", **range_, group_by="user", owner_userid=ids["owner2"])
    assert acting["rows"] == owner2["rows"]
    msg = _report(app, live, "owner", **range_, cloud_auth_userid=ids["managed3"], status=403)
    assert msg == f"you may not see the usage of user {ids['managed3']}"


def test_groupings_queue_account_and_cluster(app, live, jobs):
    data = _report(
        app, live, "admin", **MARCH_DST, granularity="month", group_by="queue,account,cluster"
    )
    assert _figures(data, "jobs", "core_hours") == {
        ("2026-03", "debug", "physics", "hpc"): (1, 2.0),
        ("2026-03", "gpu", "physics", "hpc"): (1, 16.0),
        ("2026-03", "normal", "physics", "hpc"): (2, 47.0),
    }


def test_report_queues_keep_only_the_listed_queues_of_the_named_controller(app, live, jobs):
    # Controller 2 reports only its "normal" queue; controller 3 is not restricted.
    data = _report(
        app, live, "admin", **MARCH_DST, granularity="month", group_by="queue", queue="2:normal"
    )
    assert _figures(data, "jobs", "core_hours") == {
        ("2026-03", "debug"): (1, 2.0),
        ("2026-03", "normal"): (2, 47.0),
    }


@pytest.fixture
def storage_and_servers(live, acct_session_factory):
    ids = live.ids
    session = acct_session_factory()

    def volume(day, vol, gb, who="managed1"):
        return StorageDaily(
            date=d(day), cloud_controller_id=1, cloud_auth_userid=ids[who],
            resource_type="storage", volume_id=vol, bytes=gb * GB,
        )  # fmt: skip

    def server(day, instance, flavor, seconds):
        return ServerInstanceDaily(
            date=d(day), cloud_controller_id=1, cloud_auth_userid=ids["managed1"],
            resource_type="server_instance", instance_id=instance, flavor_id=flavor,
            seconds=seconds,
        )  # fmt: skip

    session.add_all(
        [
            volume("2026-03-01", "v1", 10),
            volume("2026-03-02", "v1", 20),
            volume("2026-03-02", "v2", 5),
            volume("2026-03-02", "v3", 50, who="managed3"),
            server("2026-03-01", "i1", "small", 5400),
            server("2026-03-01", "i2", "small", 1800),
            server("2026-03-02", "i2", "large", 3600),
        ]
    )
    session.commit()


def test_storage_is_gb_days_and_the_peak_day(app, live, storage_and_servers):
    range_ = {"start_date": "2026-03-01", "end_date": "2026-03-31", "granularity": "month"}
    whole = _report(app, live, "owner", "/report/storage", **range_)
    assert _figures(whole, "gb_days", "peak_gb") == {("2026-03",): (35.0, 25.0)}
    by_volume = _report(app, live, "owner", "/report/storage", **range_, group_by="volume")
    assert _figures(by_volume, "gb_days", "peak_gb") == {
        ("2026-03", "v1"): (30.0, 20.0),
        ("2026-03", "v2"): (5.0, 5.0),
    }
    assert by_volume["totals"] == {"gb_days": 35.0, "peak_gb": 25.0}


def test_server_hours_by_flavor_and_day(app, live, storage_and_servers):
    data = _report(
        app, live, "managed1", "/report/server-instance",
        start_date="2026-03-01", end_date="2026-03-02", group_by="flavor",
    )  # fmt: skip
    assert _figures(data, "server_hours") == {
        ("2026-03-01", "small"): (2.0,),
        ("2026-03-02", "large"): (1.0,),
    }
    assert data["totals"] == {"server_hours": 3.0}


def _csv(response) -> list[list[str]]:
    assert response.content_type == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    return list(csv.reader(io.StringIO(response.text)))


def test_the_report_csv_holds_the_json_rows_and_totals(app, live, jobs):
    params = {**MARCH_DST, "granularity": "day", "group_by": "user"}
    data = _report(app, live, "owner", **params)
    response = app.get("/report/job", {**params, "format": "csv"}, headers=live.headers["owner"])
    rows = _csv(response)
    assert rows[0] == ["period", "period_start", "user", "jobs", "core_hours", "gpu_hours"]
    assert [r[:3] for r in rows[1:-1]] == [
        [x["period"], x["period_start"], x["user"]] for x in data["rows"]
    ]
    assert [float(r[4]) for r in rows[1:-1]] == [x["core_hours"] for x in data["rows"]]
    assert rows[-1] == ["total", "", "", "3", "49.0", "0.0"]


def test_job_detail_pages_and_streamed_csv(app, live, jobs):
    params = {"start_date": "2026-03-07", "end_date": "2026-04-30"}
    first = _report(app, live, "owner", "/report/job/detail", **params, limit=2)
    assert [r["job_id"] for r in first["rows"]] == ["1", "5"]  # by end time
    second = _report(
        app, live, "owner", "/report/job/detail", **params, limit=2, after=first["next"]
    )
    assert [r["job_id"] for r in second["rows"]] == ["2", "3"] and second["next"] is None
    response = app.get(
        "/report/job/detail", {**params, "format": "csv", "queue": "3:nothing"},
        headers=live.headers["owner"],
    )  # fmt: skip
    rows = _csv(response)
    assert rows[0][:6] == ["cloud_controller_id", "cloud_auth_userid", "resource_type",
                           "cluster", "job_id", "array_index"]  # fmt: skip
    assert [r[4] for r in rows[1:]] == ["1", "2", "3"]  # controller 3 reports no queue here
    by_name = {r[4]: dict(zip(rows[0], r, strict=True)) for r in rows[1:]}
    assert by_name["1"]["name"] == "'=cmd()"  # never a spreadsheet formula
    assert by_name["3"]["started_at"] == "2026-04-01T00:00:00"
    assert float(by_name["3"]["core_hours"]) == 24.0


def test_the_job_csv_holds_the_json_detail_field_for_field(app, live, jobs):
    """The CSV's times are written by the database, its rows come as tuples: the same text the
    JSON listing's envelope writes, in the same order."""
    params = {"start_date": "2026-03-07", "end_date": "2026-04-30"}
    listed = _report(app, live, "admin", "/report/job/detail", **params)["rows"]
    response = app.get(
        "/report/job/detail", {**params, "format": "csv"}, headers=live.headers["admin"]
    )
    header, *rows = _csv(response)
    assert len(rows) == len(listed) == 5
    for row, job in zip(rows, listed, strict=True):
        assert dict(zip(header, row, strict=True)) == {
            name: "'" + value if name == "name" and value.startswith("=") else str(value)
            for name, value in job.items()
        }


@pytest.mark.mysql
def test_the_job_csv_leaves_the_connection_as_it_found_it(app, live, jobs, acct_connection):
    """The stream widens MariaDB's sort rows for its own query (whole rows sorted, not ids
    read twice); the connection the app's sessions share keeps the server's default."""
    default = acct_connection.exec_driver_sql("SELECT @@global.max_length_for_sort_data")
    default = default.scalar()
    response = app.get(
        "/report/job/detail",
        {"start_date": "2026-03-07", "end_date": "2026-04-30", "format": "csv"},
        headers=live.headers["admin"],
    )
    assert len(_csv(response)) == 1 + 5
    now = acct_connection.exec_driver_sql("SELECT @@session.max_length_for_sort_data").scalar()
    assert now == default != 8192


def test_the_job_csv_is_a_generator_the_server_writes_as_it_reads(app, live, jobs):
    request = Request.blank(
        "/report/job/detail?start_date=2026-03-01&end_date=2026-04-30&format=csv",
        headers=live.headers["admin"],
    )
    status, headers, body = request.call_application(app.app)
    assert status == "200 OK" and "Content-Length" not in dict(headers)
    assert isinstance(body, types.GeneratorType)  # not a list built before the first byte
    chunks = list(body)
    assert chunks[0].startswith(b"cloud_controller_id,") and len(chunks) >= 2
    assert b"".join(chunks).count(b"\r\n") == 1 + 5


@pytest.mark.parametrize(
    ("path", "params", "msg"),
    [
        ("/report/job", {"group_by": "colour"}, "unknown grouping 'colour'"),
        ("/report/job", {"group_by": "flavor"}, "a job report cannot be grouped by flavor"),
        ("/report/storage", {"group_by": "queue"}, "a storage report cannot be grouped by queue"),
        ("/report/job", {"granularity": "hour"}, "parameter granularity must be one of"),
        ("/report/job", {"end_date": "2026-05-10"}, "covers at most 62 days"),
        ("/report/job", {"start_date": "2026-02-30"}, "parameter start_date must be a date"),
        ("/report/job", {"end_date": "09/03/2026"}, "parameter end_date must be a date"),
        ("/report/job", {"format": "xml"}, "parameter format must be json or csv"),
        ("/report/job", {"queue": "normal"}, "parameter queue must be <controller id>:<queue"),
        ("/report/storage", {"queue": "1:a"}, "parameter queue applies to job reports only"),
        ("/report/job", {"limit": "5"}, "unknown parameter limit"),
        ("/report/job/detail", {"group_by": "user"}, "unknown parameter group_by"),
        ("/report/job/detail", {"after": "!!"}, "parameter after is not a cursor"),
        ("/report/job", {"cloud_controller_id": "9"}, "unknown cloud_controller_id 9"),
    ],
)
def test_bad_input_is_a_400_with_a_message(app, live, path, params, msg):
    query = {"start_date": "2026-03-09", "end_date": "2026-03-09", **params}
    assert msg in _report(app, live, "plain", path, status=400, **query)
    query["format"] = "csv"  # the CSV form refuses the same way, in the envelope
    if "after" in params:
        msg = "parameter after pages the JSON listing; the CSV holds every job"
    if params.get("format") is None:
        assert msg in app.get(path, query, headers=live.headers["plain"], status=400).json["msg"]


def test_a_longer_range_is_fine_by_month(app, live, jobs):
    data = _report(
        app, live, "plain", start_date="2020-01-01", end_date="2026-12-31", granularity="month"
    )
    assert data["rows"] == [] and data["totals"]["jobs"] == 0
    app.get("/report/job", MARCH_DST, status=401)


@pytest.fixture
def many_rows(live, acct_session_factory):
    """720 report rows: managed1 runs a job in each of 12 queues on each of 60 days (May and
    June 2026, EDT), from local noon for 1 to 12 hours."""
    session = acct_session_factory()
    noon = dt.datetime(2026, 5, 1, 16)  # 12:00 EDT
    rows = []
    for day in range(60):
        for q in range(12):
            start = noon + dt.timedelta(days=day)
            end = start + dt.timedelta(hours=q + 1)
            rows.append(_job(live.ids["managed1"], f"m{day}-{q}", f"{start:%Y-%m-%dT%H:%M}",
                             f"{end:%Y-%m-%dT%H:%M}", 1, queue=f"q{q:02d}"))  # fmt: skip
    add_jobs(session, rows)
    session.commit()
    expected = {
        ((dt.date(2026, 5, 1) + dt.timedelta(days=day)).isoformat(), f"q{q:02d}"): (1, q + 1.0)
        for day in range(60)
        for q in range(12)
    }
    return expected


def _many_rows_report(app, live):
    return _report(
        app, live, "owner", start_date="2026-05-01", end_date="2026-06-29", group_by="queue"
    )


def test_a_report_of_more_rows_than_a_packed_cell_lists_each_row_once(app, live, many_rows):
    data = _many_rows_report(app, live)
    assert len(data["rows"]) == 720
    assert _figures(data, "jobs", "core_hours") == many_rows
    assert data["totals"] == {"jobs": 720, "core_hours": 60 * 78.0, "gpu_hours": 0.0}


@pytest.mark.mysql
def test_a_report_is_whole_where_group_concat_max_len_is_mysqls_1_kb(
    app, live, many_rows, acct_connection
):
    """MariaDB cuts a JSON_ARRAYAGG longer than group_concat_max_len (MySQL's default is 1 kB):
    the report raises it on a connection that has not been raised yet."""
    acct_connection.exec_driver_sql("SET SESSION group_concat_max_len = 1024")
    acct_connection.info.pop(packed.RAISED, None)  # as a connection just opened
    data = _many_rows_report(app, live)
    assert _figures(data, "jobs", "core_hours") == many_rows
