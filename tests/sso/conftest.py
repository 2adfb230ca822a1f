"""The sso tier (``-m sso``): the portal under Apache mod_wsgi behind mod_shib, SimpleSAMLphp as
the identity provider, Chromium logging in through the IdP's own form (tests/sso/rig.py).
Cloud Auth, one cloud controller and the OpenStack simulator run as in tests/cloudportal.

Skips where a piece is missing; fails instead under SCM_REQUIRE_ALL_TIERS=1. CI installs
libapache2-mod-shib simplesamlphp php-xml php-mbstring libapache2-mod-php8.2 (.ci/run)."""

from __future__ import annotations

import contextlib
import shutil
import uuid

import pytest

from common.db import make_engine
from common.migrations import upgrade
from openstack_simulator.testing import SimulatorProcess
from tests import live
from tests.cloudportal.conftest import start_controller
from tests.conftest import skip_or_fail
from tests.sso import rig as saml

SHOTS = saml.REPO / "var" / "sso"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ADMIN_RULE = f"eduPersonEntitlement = {saml.ADMIN_ENTITLEMENT}"


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/sso/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.sso)


@pytest.fixture(scope="session")
def sso_ready():
    reason = saml.missing()
    if reason is not None:
        skip_or_fail(reason)
    try:
        from playwright.sync_api import sync_playwright  # noqa: F401
    except ImportError:
        skip_or_fail("sso tier: Playwright is not installed (pip install -e .[test])")


@pytest.fixture(scope="session")
def stack(sso_ready, tmp_path_factory):
    """Cloud Auth (auth_sso on, the admin rule), controller 1, and the rig with the portal."""
    cache = live.shared_cache()
    cloudauth = live.LiveCloudAuth(
        f"sqlite:///{tmp_path_factory.mktemp('sso-auth')}/cloudauth.sqlite",
        cache,
        auth_sso="true",
        **{"auth_sso.admin_attributes": ADMIN_RULE},
    )
    with contextlib.ExitStack() as cleanup:
        cleanup.callback(cloudauth.close)
        simulator = cleanup.enter_context(
            SimulatorProcess(tmp_path_factory.mktemp("sso-sim") / "state.sqlite")
        )
        controller, stop_controller = start_controller(
            tmp_path_factory, cloudauth, simulator, cache
        )
        cleanup.callback(stop_controller)
        rig = saml.make_rig()
        cleanup.callback(shutil.rmtree, rig.root, ignore_errors=True)
        db = rig.root / "portal" / "cloudportal.sqlite"
        rig.write_portal_ini(
            {
                "sqlalchemy.url": f"sqlite:///{db}",
                "cloudauth.url": cloudauth.url,
                "backend.connect_timeout": "2",
                "backend.timeout": "15",
                "cloudcon.1.name": "Penguin West",
                "cloudcon.1.api_endpoint": controller.endpoint,
                "cloudcon.1.api_ssl": "false",
                "scm.storage_mgmt": "true",
                "scm.cc_storage_driver": "mkdir",
                "session.url": f"memory://sso-{uuid.uuid4().hex}",
                "session.cookie_secure": "true",
                "auth_sso": "true",
                "auth_sso.admin_attributes": ADMIN_RULE,
                # where mailed links point (required with userauth.driver = email)
                "site.url": rig.sp_url,
            }
        )
        engine = make_engine({"sqlalchemy.url": f"sqlite:///{db}"})
        upgrade("cloudportal", engine)
        engine.dispose()
        db.chmod(0o666)
        cleanup.callback(rig.stop)
        rig.start()
        yield cloudauth, controller, rig


@pytest.fixture(scope="session")
def chromium(sso_ready):
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as api:
        browser = api.chromium.launch(
            executable_path=str(saml.CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def axe_report(sso_ready):
    from tests.browser.tour import AxeReport

    report = AxeReport()
    yield report
    if report.pages:
        text = "\n".join(report.lines())
        (SHOTS / "axe-report.txt").write_text(text + "\n")
        print("\n" + text)


@pytest.fixture
def check(axe_report, stack, request):
    """``check(page, name)``: a full-page screenshot under var/sso/ and axe-core on the portal
    page now shown: no serious or critical violation (the others are collected in
    var/sso/axe-report.txt). Only the portal's pages: the identity provider's are
    SimpleSAMLphp's, not ours."""
    from tests.browser.tour import _AXE, page_kind

    rig = stack[2]
    test = request.node.name

    def run(page, name: str) -> None:
        page.wait_for_load_state("load")
        assert page.url.startswith(rig.sp_url + "/"), f"not a portal page: {page.url}"
        page.screenshot(path=str(SHOTS / f"{test}-{name}.png"), full_page=True)
        kind = page_kind(page.url)
        blocking = axe_report.add(kind, _AXE.run(page).response["violations"])
        assert not blocking, f"axe-core on {kind} ({name}):\n" + "\n".join(blocking)

    return run


@pytest.fixture
def new_page(chromium):
    """``new_page()``: a page in a fresh browser context (its own cookies)."""
    contexts = []

    def build(**kw):
        context = chromium.new_context(
            ignore_https_errors=True, viewport={"width": 1280, "height": 900}, **kw
        )
        context.set_default_timeout(20_000)
        contexts.append(context)
        return context.new_page()

    yield build
    for context in contexts:
        context.close()
