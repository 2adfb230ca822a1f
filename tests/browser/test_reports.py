"""Usage and Reports in a real browser (issue 13): usage made by the controller's lifecycle (a
login node created, run and powered off, then ``import_usage``) and by a Slurm import
(``import_slurm`` on a saved ``sacct -P`` file), both run against the demo's own accountant
.ini; then the chart, the table and the CSV of each page show the accountant API's figures for
the same query, and axe-core finds nothing serious on any reports page."""

from __future__ import annotations

import base64
import csv
import datetime as dt
import io
import subprocess
import sys
import time
import uuid
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import urlsplit

import requests
from playwright.sync_api import expect

from tests.browser import steps
from tests.browser.system import REPO

PASSWORD = "report owner password 1"
SVG = "{http://www.w3.org/2000/svg}"


def demo_accountant_ini(system, tmp_path: Path) -> Path:
    """ini/demo/cloudaccountant.ini with the demo's state directory and ports filled in (the
    launcher passes them as options), plus the Slurm source the demo does not configure."""
    text = (REPO / "ini" / "demo" / "cloudaccountant.ini").read_text()
    text = text.replace("%(var)s", str(system.var_dir))
    text = text.replace("%(auth_port)s", str(urlsplit(system.auth).port))
    text = text.replace(
        "accounting.timezone",
        "sqlalchemy.cloud.1.slurm.server = local\nsqlalchemy.cloud.1.slurm.cluster = demo\n"
        "accounting.timezone",
        1,
    )
    path = tmp_path / "cloudaccountant.ini"
    path.write_text(text)
    return path


def run_script(name: str, *args: str) -> subprocess.CompletedProcess:
    script = Path(sys.executable).with_name(name)
    done = subprocess.run(
        [str(script), *args], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, f"{name}: {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done


def wait_for_status(tour, node_id: str, label: str, timeout: float = 90.0) -> None:
    """Reload the nodes page until the node shows ``label`` (the live updates have their own
    test in test_journeys; here only the usage they leave behind matters)."""
    deadline = time.monotonic() + timeout
    while steps.status_of(tour, node_id) != label:
        assert time.monotonic() < deadline, f"node {node_id}: {steps.status_of(tour, node_id)}"
        tour.page.wait_for_timeout(1000)
        tour.page.reload(wait_until="load")


def sacct_file(tmp_path: Path, system_user: str, now: dt.datetime) -> Path:
    """Two jobs that ran (4 cores for 1 h, 2 cores for 30 min) and one cancelled while pending
    (not a job: skipped); times in UTC, the demo's accounting.timezone."""

    def at(hours: float) -> str:
        return (now - dt.timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M:%S")

    path = tmp_path / "sacct.txt"
    path.write_text(
        "JobID|User|Account|Partition|Submit|Start|End|NCPUS|State|NodeList|JobName\n"
        f"9001|{system_user}|physics|normal|{at(3)}|{at(3)}|{at(2)}|4|COMPLETED|n1|sim\n"
        f"9002|{system_user}|physics|gpu|{at(2)}|{at(2)}|{at(1.5)}|2|COMPLETED|n2|fit\n"
        f"9003|{system_user}|physics|normal|{at(2)}|{at(1)}|{at(1)}|8|CANCELLED by 0|"
        "None assigned|never\n"
    )
    return path


def chart_values(tour) -> list[float]:
    """The bar values pygal wrote into the chart (the ``<img>``'s ``data:`` SVG)."""
    src = tour.page.get_by_role("figure").get_by_role("img").get_attribute("src")
    assert src.startswith("data:image/svg+xml;base64,"), src[:40]
    # The portal's own output under test, not untrusted input.
    root = ET.fromstring(base64.b64decode(src.split(",", 1)[1]))  # noqa: S314
    assert not [e for e in root.iter() if e.tag.endswith("script")], "a script in the chart"
    values = []
    for desc in root.iter(SVG + "desc"):
        if desc.get("class") == "value" and desc.text:
            values.append(float(desc.text.replace(",", "")))
    return values


def table(tour) -> tuple[list[str], list[list[str]], list[str]]:
    grid = tour.page.locator("table.portal-report-table")
    header = [c.strip() for c in grid.locator("thead th").all_inner_texts()]
    rows = [
        [c.strip() for c in row.locator("td").all_inner_texts()]
        for row in grid.locator("tbody tr").all()
    ]
    totals = [c.strip() for c in grid.locator("tfoot th").all_inner_texts()]
    return header, rows, totals


def shown(value) -> str:
    """A figure as the table prints it: two decimals, more for a figure that would round to
    0.00 (a login node that ran a minute is not zero hours, and the chart shows its bar)."""
    if not isinstance(value, float):
        return f"{value:,}"
    return f"{value:,.4f}" if 0 < abs(value) < 0.005 else f"{value:,.2f}"


def download_csv(tour) -> list[list[str]]:
    with tour.page.expect_download() as info:
        tour.activate(tour.page.get_by_role("link", name="Download CSV"))
    return list(csv.reader(io.StringIO(Path(info.value.path()).read_text(encoding="utf-8"))))


def api_report(system, headers, family: str, params: dict) -> dict:
    response = requests.get(
        f"{system.urls['cloudaccountant']}/report/{family}",
        params=params,
        headers=headers,
        timeout=20,
    )
    assert response.status_code == 200, response.text
    return response.json()["data"]


def assert_page_matches_api(tour, api: dict, metric: str) -> None:
    """The table (rows and totals, as printed), the chart's bars and the CSV: the API's."""
    names = [m["name"] for m in api["metrics"]]
    _, rows, totals = table(tour)
    assert rows == [[r["period"], *(shown(r[n]) for n in names)] for r in api["rows"]]
    assert totals == ["Total", *(shown(api["totals"][n]) for n in names)]
    # One stack ("All"): one bar per period, the chart's metric.
    assert chart_values(tour) == [r[metric] for r in api["rows"]]
    header, *body = download_csv(tour)
    assert body == [
        *([r["period"], *(str(r[n]) for n in names)] for r in api["rows"]),
        ["Total", *(str(api["totals"][n]) for n in names)],
    ]
    assert header[0] == "Period" and len(header) == 1 + len(names)


def test_reports_show_the_api_figures_of_a_node_and_a_slurm_import(system, open_tour, tmp_path):
    owner = f"reports-{uuid.uuid4().hex[:6]}@example.com"
    system.create_user(owner, PASSWORD, roles=("account_owner",))
    system_user = "rpt" + uuid.uuid4().hex[:5]
    tour = open_tour()
    steps.log_in(tour, system.portal, owner, PASSWORD)

    # Usage through the controller's lifecycle: a node created, run, powered off.
    steps.create_system_account(tour, system_user)
    node_id = steps.create_node(tour)
    wait_for_status(tour, node_id, "Running")
    # Server-hours are counted in whole seconds: let the node run for a few before powering off.
    tour.page.wait_for_timeout(3000)
    steps.power(tour, node_id, "Power off")
    wait_for_status(tour, node_id, "Off (disk kept)")

    now = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    start, end = (now - dt.timedelta(days=1)).date(), now.date()
    ini = demo_accountant_ini(system, tmp_path)
    run_script("import_usage", str(ini), start.isoformat(), end.isoformat())
    sacct = sacct_file(tmp_path, system_user, now)
    imported = run_script(
        "import_slurm",
        str(ini),
        start.isoformat(),
        end.isoformat(),
        "--controller",
        "1",
        "--sacct-output",
        str(sacct),
    )
    assert "never ran on a node" in imported.stdout + imported.stderr

    headers = system.api_login(owner, PASSWORD)["headers"]
    query = {"start_date": start.isoformat(), "end_date": end.isoformat(), "granularity": "day"}
    page_query = f"?preset=custom&start={start}&end={end}&granularity=day"

    # Overview, from the sidebar.
    steps.go(tour, "Usage and Reports", "reports-overview")
    expect(tour.page.get_by_role("heading", level=1)).to_contain_text("Usage")

    jobs = api_report(system, headers, "job", query)
    assert jobs["totals"] == {"jobs": 2, "core_hours": 5.0, "gpu_hours": 0.0}
    assert any(run["source"] == "slurm" for run in jobs["provenance"])
    tour.page.goto(f"{system.portal}/reports/jobs{page_query}")
    tour.check("reports-jobs")
    assert_page_matches_api(tour, jobs, "core_hours")

    nodes = api_report(system, headers, "server-instance", query)
    assert nodes["totals"]["server_hours"] > 0, nodes  # the node ran before it was powered off
    tour.page.goto(f"{system.portal}/reports/login-nodes{page_query}")
    tour.check("reports-login-nodes")
    assert_page_matches_api(tour, nodes, "server_hours")

    for slug in ("storage", "user-storage"):
        tour.page.goto(f"{system.portal}/reports/{slug}{page_query}")
        tour.check(f"reports-{slug}")

    # Job detail: the two jobs that ran, not the one cancelled while pending.
    tour.page.goto(f"{system.portal}/reports/jobs/detail{page_query}")
    tour.check("reports-job-detail")
    detail = tour.page.get_by_role("table")
    for job_id in ("9001", "9002"):
        expect(detail.get_by_role("cell", name=job_id, exact=True)).to_be_visible()
    expect(detail.get_by_role("cell", name="9003", exact=True)).to_have_count(0)
    ended = (now - dt.timedelta(hours=2)).strftime("%Y-%m-%d %H:%M:%S")
    # Job 9001 ended as 9002 started: two cells, as the page prints times (no "T").
    expect(detail.get_by_role("cell", name=ended, exact=True)).to_have_count(2)
    # Not "no import run": this page does not ask the accountant which runs were behind it.
    expect(tour.page.get_by_text("No import run is recorded")).to_have_count(0)

    # The monthly statement of the month holding today.
    tour.page.goto(f"{system.portal}/reports/statement?month={end.strftime('%Y-%m')}")
    tour.check("reports-statement")
    expect(tour.page.get_by_text(owner).first).to_be_visible()
