"""Issue 16, item 6 (controller): flavor caps count what runs, power-on passes the same cap and
free-GPU checks as create (409 before anything changes)."""

from __future__ import annotations

import sqlite3


def stopped(stack, who, flavor):
    created = stack.create(who, flavor=flavor)["data"]
    worker = stack.worker()
    stack.run_until(worker, created["id"], {"ACTIVE"}, who)
    url = f"/server-instance/{created['id']}"
    stack.app.put_json(url, {"power": "off"}, headers=who.headers)
    stack.run_until(worker, created["id"], {"STOPPED"}, who)
    return url


def test_a_stopped_instance_does_not_count_and_power_on_checks_the_cap(make_stack, cloudauth):
    stack = make_stack(**{"virtualization.flavor_caps": '{"1": 1}'})
    who = cloudauth.user()
    stack.system_user(who)
    first = stopped(stack, who, "1")
    assert stack.create(who)["success"]  # the STOPPED one holds no Nova server
    body = stack.app.put_json(first, {"power": "on"}, headers=who.headers, status=409).json
    assert "capped at 1" in body["msg"]
    assert stack.app.get(first, headers=who.headers).json["data"]["status"] == "STOPPED"


def test_power_on_of_a_gpu_flavor_needs_a_free_gpu(make_stack, cloudauth, simulator):
    stack = make_stack(
        **{"openstack.gpu_query": f"sqlite:///{simulator.state}", "openstack.gpu_pci_ids": "102d"}
    )
    who = cloudauth.user()
    stack.system_user(who)
    url = stopped(stack, who, "6")
    with sqlite3.connect(simulator.state) as conn:
        conn.execute("UPDATE pci_devices SET status = 'allocated' WHERE product_id = '102d'")
    try:
        body = stack.app.put_json(url, {"power": "on"}, headers=who.headers, status=409).json
    finally:
        with sqlite3.connect(simulator.state) as conn:
            conn.execute("UPDATE pci_devices SET status = 'available' WHERE instance_uuid IS NULL")
    assert "no free GPU" in body["msg"]
    assert stack.app.get(url, headers=who.headers).json["data"]["status"] == "STOPPED"
    assert (
        stack.app.put_json(url, {"power": "on"}, headers=who.headers).json["data"]["status"]
        == "STARTING"
    )
