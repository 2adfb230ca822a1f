"""The browser tier: headless Debian ``chromium`` driven by Playwright (its own browser download
is never used), on the whole system started once per session by the demo launcher.

Skips where chromium or Playwright is absent; fails instead under SCM_REQUIRE_ALL_TIERS=1."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.browser.system import REPO, DemoSystem
from tests.conftest import skip_or_fail

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = REPO / "var" / "browser"
# Headless as root on a machine without a GPU or network (shared/notes/peers.md).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def pytest_collection_modifyitems(items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.browser)
    # The newcomer's journey starts from the demo's default admin password, so it runs before
    # every other browser test on the shared demo (the others settle the password themselves).
    items.sort(key=lambda item: 0 if "tests/browser/test_journeys.py" in item.nodeid else 1)


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    if call.when == "call":
        item.browser_call_failed = outcome.get_result().failed


@pytest.fixture(scope="session")
def playwright_api():
    if not CHROMIUM.exists():
        skip_or_fail(f"browser tier: no {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skip_or_fail("browser tier: Playwright is not installed (pip install -e .[test])")
    with sync_playwright() as api:
        yield api


@pytest.fixture(scope="session")
def chromium(playwright_api):
    browser = playwright_api.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
    )
    yield browser
    browser.close()


@pytest.fixture(scope="session")
def shots_dir():
    shutil.rmtree(SHOTS, ignore_errors=True)
    SHOTS.mkdir(parents=True)
    return SHOTS


@pytest.fixture(scope="session")
def axe_report(shots_dir):
    from tests.browser.tour import AxeReport

    report = AxeReport()
    yield report
    text = "\n".join(report.lines())
    (shots_dir / "axe-report.txt").write_text(text + "\n")
    print("\n" + text)


@pytest.fixture(scope="session")
def mail_sink(tmp_path_factory, playwright_api):
    """A real SMTP server (aiosmtpd) the demo's portal mails to."""
    from tests.browser.mailsink import MailSink

    sink = MailSink(tmp_path_factory.mktemp("browser-mail") / "Maildir")
    yield sink
    sink.stop()


@pytest.fixture(scope="session")
def system(tmp_path_factory, playwright_api, mail_sink):
    """The demo, once per session (started only when chromium can run), mailing to the sink."""
    demo = DemoSystem.start(
        tmp_path_factory.mktemp("browser-demo"), extra_args=("--smtp-port", str(mail_sink.port))
    )
    yield demo
    demo.stop()


@pytest.fixture
def open_tour(chromium, shots_dir, axe_report, request):
    """``open_tour(keyboard=False)``: a fresh browser context (its own cookies) and page, with
    the checks of tour.Tour; each tour's ``finish()`` runs at the end of the test."""
    from tests.browser.tour import Tour

    contexts, tours = [], []

    def build(keyboard: bool = False, label: str = "") -> Tour:
        context = chromium.new_context(viewport={"width": 1280, "height": 900})
        context.set_default_timeout(20_000)
        contexts.append(context)
        name = request.node.name + (f"-{label}" if label else "")
        tour = Tour(context.new_page(), shots_dir, name, axe_report, keyboard=keyboard)
        tours.append(tour)
        return tour

    yield build
    try:
        # After a failure the test stopped midway: its own error says enough.
        if not getattr(request.node, "browser_call_failed", True):
            for tour in tours:
                tour.finish()
    finally:
        for context in contexts:
            context.close()
