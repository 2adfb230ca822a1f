"""The driver looks a network's id up by name once and reuses it (every boot and floating IP
names a network), and looks it up again after a call that used it fails."""

from __future__ import annotations

import uuid

import pytest

from cloudcontroller.openstack import errors


def test_network_id_is_reused_and_looked_up_again_after_a_failure(stack, monkeypatch):
    driver = stack.openstack
    lookups = []
    list_networks = driver.neutron.list_networks

    def counting(**filters):
        lookups.append(filters.get("name"))
        return list_networks(**filters)

    monkeypatch.setattr(driver.neutron, "list_networks", counting)
    owner = uuid.uuid4().hex
    made = [driver.allocate_floating_ip("public", owner) for _ in range(2)]
    try:
        assert lookups == ["public"]
        assert {f.network_id for f in made} == {made[0].network_id}

        with pytest.raises(errors.NotFound):
            driver.associate_floating_ip(made[0].id, "no-such-server", "public")
        lookups.clear()
        made.append(driver.allocate_floating_ip("public", owner))
        assert lookups == ["public"]
    finally:
        for fip in made:
            driver.release_floating_ip(fip.id)
