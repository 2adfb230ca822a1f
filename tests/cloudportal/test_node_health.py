"""Nodes that are late or broken, as a person reads them: a node on its way for longer than the
controller's ``boot_timeout`` is flagged with what to try; an ERROR node shows the API's reason in
plain words, with the raw reason kept and what to try next."""

from __future__ import annotations

import time

import pytest

from cloudportal.settings import ConfigError, PortalSettings
from tests.cloudportal.conftest import portal_settings
from tests.cloudportal.test_accounts_and_nodes import create_node, node_of, set_up_account


def card_of(page, node: str) -> str:
    return page.text.split(f'id="node-{node}"')[1].split("</article>")[0]


def test_a_node_booting_past_boot_timeout_is_flagged(
    make_portal, new_browser, owner, simulator, wait_for
):
    late = make_portal(**{"cloudcon.1.boot_timeout": "1s"})
    browser = new_browser(owner, app=late)
    set_up_account(browser)
    simulator.admin("PUT", "/delays", {"build": 20.0})
    try:
        node = create_node(browser)
        assert "Taking longer than expected" not in card_of(browser.get("/nodes"), node)
        time.sleep(1.5)
        card = card_of(browser.get("/nodes"), node)
        status = browser.get(f"/nodes/1/{node}/status").json
    finally:
        simulator.admin("PUT", "/delays", {"build": 2.0})
    assert status["status"] in ("BUILD", "BOOT", "CONFIGURING"), status
    assert "Taking longer than expected" in card
    assert "usually takes at most 1 s" in card and "Power off" in card
    assert status["overdue"].startswith("Taking longer than expected")


def test_an_error_node_says_what_went_wrong_and_what_to_try(
    new_browser, owner, simulator, wait_for
):
    browser = new_browser(owner)
    set_up_account(browser)
    simulator.fault("boot_error")
    try:
        node = create_node(browser)
        node_of(browser, wait_for, {"ERROR"}, node)
    finally:
        simulator.clear_faults()
    card = card_of(browser.get("/nodes"), node)
    assert "The cloud had no room for this VM type" in card
    assert "What to try:" in card and "Power it off, then on" in card
    assert "No valid host was found" in card  # the API's own words stay, as details
    assert "Power off" in card and "Delete" in card  # always possible from ERROR


@pytest.mark.parametrize("value", ["soon", "-3", "0"])
def test_bad_boot_timeout_is_a_config_error_naming_it(
    portal_db_url, cloudauth, controller, stopped_port, value
):
    raw = portal_settings(portal_db_url, cloudauth, controller, stopped_port)
    raw["cloudcon.1.boot_timeout"] = value
    with pytest.raises(ConfigError, match="cloudcon.1.boot_timeout"):
        PortalSettings.from_raw(raw)
