"""Usage and Reports in the portal, over a live Cloud Accountant (HTTP) beside the live Cloud
Auth and controller: usage made by a login node's lifecycle on the controller and a Slurm
import, then the chart, the table and the CSV checked against the accountant's own answer;
visibility, report_queues, job detail pages and CSV, bad input."""

from __future__ import annotations

import base64
import csv
import datetime as dt
import io
import re
import threading
import time
import uuid

import pytest
from waitress.server import create_server

from cloudaccountant import main as accountant_main
from cloudaccountant.scripts import import_slurm, import_usage
from common.migrations import upgrade
from tests.cloudaccountant.helpers import write_ini
from tests.cloudportal.conftest import _quiet
from tests.cloudportal.test_accounts_and_nodes import create_node, node_of, set_up_account
from tests.conftest import database_url, drop_database


@pytest.fixture(scope="module")
def accountant(tmp_path_factory, cloudauth, controller):
    """The accountant on HTTP, reading controller 1's database; its .ini for the scripts."""
    base = tmp_path_factory.mktemp("portal-acct")
    db_url = database_url(f"portalacct{uuid.uuid4().hex[:6]}", tmp_path_factory)
    cc_url = str(controller.app.registry["scm.db_engine"].url.render_as_string(False))
    settings = {
        "sqlalchemy.accountant.url": db_url,
        "cloudauth.url": cloudauth.url,
        "sqlalchemy.cloud.1.instances.url": cc_url,
        "sqlalchemy.cloud.1.users.url": cc_url,
        "sqlalchemy.cloud.1.slurm.server": "local",
    }
    app = accountant_main({}, **settings)
    upgrade("cloudaccountant", app.registry["scm.db_engine"])
    server = create_server(
        app, asyncore_use_poll=True, host="127.0.0.1", port=0, threads=4, channel_timeout=30
    )
    threading.Thread(target=_quiet(server.run), daemon=True).start()
    url = f"http://127.0.0.1:{server.effective_port}"
    ini = write_ini(base / "cloudaccountant.ini", settings)
    yield url, str(ini), base
    server.close()
    app.registry["scm.db_engine"].dispose()
    drop_database(db_url)


@pytest.fixture(scope="module")
def reports_portal(make_portal, accountant):
    return make_portal(
        **{"cloudaccountant.url": accountant[0], "cloudcon.1.report_queues": "normal"}
    )


def _sacct(path, name: str, now: dt.datetime):
    """Two jobs of ``name`` in queue normal (2 cores x 1 h; 4 cores x 30 min) and one in debug
    (hidden by report_queues), all ended an hour ago."""
    fmt = "%Y-%m-%dT%H:%M:%S"
    end = now - dt.timedelta(hours=1)
    lines = ["JobIDRaw|User|Partition|Start|End|NCPUS|Submit|JobID|Cluster|Account|State|NodeList"]
    for job, queue, cores, minutes in (("71", "normal", 2, 60), ("72", "normal", 4, 30),
                                       ("73", "debug", 8, 60)):  # fmt: skip
        start = end - dt.timedelta(minutes=minutes)
        lines.append(
            f"{job}|{name}|{queue}|{start.strftime(fmt)}|{end.strftime(fmt)}|{cores}|"
            f"{start.strftime(fmt)}|{job}|hpc|physics|COMPLETED|n1"
        )
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture(scope="module")
def usage(reports_portal, accountant, cloudauth, wait_for_module):
    """An owner with a system account, a login node run then powered off, Slurm jobs; both
    imported by the accountant's scripts as cron runs them."""
    from tests.cloudportal.conftest import Browser, login

    _, ini, base = accountant
    owner = cloudauth.user(roles=["account_owner"])
    managed = cloudauth.user(owner=owner)
    app = type(reports_portal)(reports_portal.app, extra_environ={"REMOTE_ADDR": "127.0.0.1"})
    assert login(app, owner.email).status_int == 302
    browser = Browser(app)
    name = set_up_account(browser)
    node = create_node(browser)
    node_of(browser, wait_for_module, {"ACTIVE"}, node)
    time.sleep(2.5)  # whole seconds powered on: the accountant counts seconds
    browser.post(f"/nodes/1/{node}/power", {"action": "off"})
    node_of(browser, wait_for_module, {"STOPPED"}, node)
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    first, last = (now - dt.timedelta(days=1)).date(), now.date()
    sacct = _sacct(base / "sacct.txt", name, now)
    dates = [first.isoformat(), last.isoformat()]
    assert import_usage.main([ini, *dates]) == 0
    assert import_slurm.main([ini, *dates, "--controller", "1", "--sacct-output", str(sacct)]) == 0
    return {"owner": owner, "managed": managed, "browser": browser, "first": first, "last": last}


@pytest.fixture(scope="module")
def wait_for_module():
    def wait(read, done, timeout=30.0, what="condition"):
        deadline = time.monotonic() + timeout
        while True:
            value = read()
            if done(value):
                return value
            assert time.monotonic() < deadline, f"{what} never happened: {value}"
            time.sleep(0.1)

    return wait


def _range(usage, **extra):
    return {"preset": "custom", "start": usage["first"].isoformat(),
            "end": usage["last"].isoformat(), **extra}  # fmt: skip


def _api(accountant, who, path, **params):
    import requests

    response = requests.get(accountant[0] + path, params=params, headers=who.headers, timeout=10)
    body = response.json()
    assert body["success"], body
    return body["data"]


def _table(page) -> list[list[str]]:
    table = re.search(r'<table class="table table-sm portal-report-table">(.*?)</table>',
                      page.text, re.S).group(1)  # fmt: skip
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S)
    cell = re.compile(r"<t[hd][^>]*>(.*?)</t[hd]>", re.S)
    return [[re.sub(r"\s+", " ", c).strip() for c in cell.findall(r)] for r in rows]


def _svg(page) -> str:
    data = re.search(r'<img src="data:image/svg\+xml;base64,([^"]+)"', page.text).group(1)
    return base64.b64decode(data).decode()


def test_jobs_page_chart_table_and_csv_agree_with_the_api(usage, accountant):
    browser, owner = usage["browser"], usage["owner"]
    page = browser.get("/reports/jobs", params=_range(usage, granularity="month", group="queue"))
    assert page.status_int == 200
    api = _api(accountant, owner, "/report/job", start_date=usage["first"].isoformat(),
               end_date=usage["last"].isoformat(), granularity="month", group_by="queue",
               queue="1:normal")  # fmt: skip
    # 2 cores x 1 h + 4 cores x 0.5 h in "normal"; "debug" is not a report queue of controller 1.
    assert api["totals"] == {"jobs": 2, "core_hours": 4.0, "gpu_hours": 0.0}
    table = _table(page)
    assert table[0] == [
        "Period",
        "Queue",
        "Jobs (jobs)",
        "Core-hours (core-h)",
        "GPU-hours (GPU-h)",
    ]
    period = api["rows"][0]["period"]
    assert table[1] == [period, "normal", "2", "4.00", "0.00"]
    assert table[-1] == ["Total", "", "2", "4.00", "0.00"]
    assert "debug" not in page.text
    svg = _svg(page)
    assert "<script" not in svg  # an image, and no script in it either
    assert "Import runs behind these figures" in page.text and ">slurm<" in page.text
    assert re.search(r">normal<", svg) and re.search(r'class="value[^"]*">4<', svg)
    csv_page = browser.get(
        "/reports/jobs.csv", params=_range(usage, granularity="month", group="queue")
    )
    assert csv_page.content_type == "text/csv"
    rows = list(csv.reader(io.StringIO(csv_page.text)))
    assert rows == [
        table[0],
        [period, "normal", "2", "4.0", "0.0"],
        ["Total", "", "2", "4.0", "0.0"],
    ]


def test_login_node_hours_come_from_the_controllers_lifecycle(usage, accountant):
    browser, owner = usage["browser"], usage["owner"]
    api = _api(accountant, owner, "/report/server-instance", start_date=usage["first"].isoformat(),
               end_date=usage["last"].isoformat(), granularity="year")  # fmt: skip
    assert len(api["rows"]) == 1 and api["totals"]["server_hours"] > 0
    page = browser.get("/reports/login-nodes", params=_range(usage, granularity="year"))
    hours = api["totals"]["server_hours"]
    # Two decimals, four when that would print a non-zero figure as 0.00.
    shown = f"{hours:,.4f}" if hours < 0.005 else f"{hours:,.2f}"
    assert _table(page)[-1] == ["Total", shown]
    rows = list(csv.reader(io.StringIO(browser.get("/reports/login-nodes.csv",
                params=_range(usage, granularity="year")).text)))  # fmt: skip
    assert rows[-1] == ["Total", str(hours)]


def test_overview_and_sidebar(usage, accountant):
    page = usage["browser"].get("/reports", params=_range(usage))
    assert ">Usage and Reports</a>" in page.text
    assert "Cluster jobs" in page.text and "4.00 core-h" in page.text
    # The stamp is the accountant's last import run over the range, not the page's time.
    stamp = re.search(r"Figures as of (\d{4}-\d\d-\d\d \d\d:\d\d) UTC", page.text).group(1)
    runs = _api(accountant, usage["owner"], "/report/job", start_date=usage["first"].isoformat(),
                end_date=usage["last"].isoformat())  # fmt: skip
    assert runs["as_of"].replace("T", " ").startswith(stamp)


def test_a_managed_user_sees_only_their_own_usage(usage, new_browser, reports_portal):
    browser = new_browser(usage["managed"], reports_portal)
    page = browser.get("/reports/jobs", params=_range(usage))
    assert _table(page)[-1][:2] == ["Total", "0"]
    refused = browser.get("/reports/jobs", params=_range(usage, user=usage["owner"].userid),
                          status=400)  # fmt: skip
    assert "you may look at your own usage only" in refused.text


def test_job_detail_pages_and_streams_its_csv(usage):
    browser = usage["browser"]
    page = browser.get("/reports/jobs/detail", params=_range(usage))
    assert ">71<" in page.text and ">72<" in page.text and ">73<" not in page.text
    response = browser.get("/reports/jobs/detail.csv", params=_range(usage))
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0][4] == "job_id" and sorted(r[4] for r in rows[1:]) == ["71", "72"]


@pytest.mark.parametrize(
    ("path", "params", "msg"),
    [
        ("/reports/jobs", {"group": "flavor"}, "this report cannot be grouped by"),
        ("/reports/jobs", {"preset": "custom", "start": "2026-02-30", "end": "2026-03-01"},
         "parameter start must be a date"),
        ("/reports/jobs", {"preset": "custom", "start": "2020-01-01", "end": "2026-03-01",
                           "granularity": "day"}, "a daily report covers at most 366 days"),
        ("/reports/jobs", {"granularity": "hour"}, "unknown granularity"),
        ("/reports/storage", {"owner": "a" * 32}, "only the superuser may"),
        ("/reports/jobs", {"user": "../../etc"}, "user must be a user id"),
    ],
)  # fmt: skip
def test_bad_choices_are_a_400_page_naming_the_problem(usage, path, params, msg):
    page = usage["browser"].get(path, params=params, status=400)
    assert msg in page.text


def test_unknown_report_is_404_and_an_unconfigured_accountant_says_so(usage, new_browser):
    assert usage["browser"].get("/reports/nothing", status=404)
    plain = new_browser(usage["owner"])  # the shared portal has no accountant configured
    page = plain.get("/reports", status=404)
    assert "usage reports need the Cloud Accountant" in page.text
    assert "Usage and Reports</a>" not in plain.get("/help").text  # no link to a dead page


def test_the_monthly_statement_lists_each_user_totals_and_runs(usage, reports_portal, cloudauth):
    browser, owner, managed = usage["browser"], usage["owner"], usage["managed"]
    month = usage["last"].strftime("%Y-%m")
    page = browser.get("/reports/statement", params={"month": month})
    rows = _table(page)
    assert rows[0][:2] == ["User", "Login nodes (server-hours)"]
    by_user = {r[0]: r for r in rows[1:-1]}
    assert set(by_user) == {owner.email, managed.email}
    assert by_user[owner.email][5:8] == ["2", "4.00", "0.00"]  # jobs, core-hours, GPU-hours
    # No row: zero, printed as the other figures are.
    assert by_user[managed.email][5:8] == ["0", "0.00", "0.00"]
    assert rows[-1][0] == "Total" and rows[-1][5:8] == ["2", "4.00", "0.00"]
    assert ">slurm<" in page.text and ">usage<" in page.text  # the runs behind the figures
    css = browser.get("/static/portal.css").text
    assert "@media print" in css and ".portal-sidebar" in css.split("@media print", 1)[1]
    assert "Monthly statement" in browser.get("/reports", params=_range(usage)).text


def test_statement_bad_month_and_plain_users(usage, new_browser, reports_portal):
    page = usage["browser"].get("/reports/statement", params={"month": "2026-13"}, status=400)
    assert "month must be YYYY-MM" in page.text
    plain = new_browser(usage["managed"], reports_portal)
    assert plain.get("/reports/statement", status=403)
    other = usage["browser"].get(
        "/reports/statement", params={"owner": "b" * 32}, status=400
    )  # fmt: skip
    assert "only the superuser may see another account owner&#39;s statement" in other.text
