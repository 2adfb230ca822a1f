"""Contract: volumes, servers, floating IPs and security groups, through the driver."""

from __future__ import annotations

import pytest

from cloudcontroller.openstack import errors
from cloudcontroller.openstack.interfaces import BootRequest


def test_volume_from_image_is_marked_bootable_and_available(driver, boot_volume, scm_uuid):
    volume = boot_volume()
    assert volume.status == "available" and volume.bootable
    assert volume.scm_instance_uuid == scm_uuid
    assert volume.metadata["scm_managed"] == "true"
    assert volume.id in {v.id for v in driver.list_volumes()}


def test_volume_smaller_than_min_disk_is_bad_request(driver, target, scm_uuid):
    image = next(i for i in driver.list_images() if i.name == target.env["image_name"])
    if image.min_disk_gb < 2:
        pytest.skip("the image has no min_disk to violate")
    with pytest.raises(errors.BadRequest):
        driver.create_volume_from_image(scm_uuid, image.id, image.min_disk_gb - 1, "too-small")


def test_extend_volume_grows_and_is_a_noop_when_big_enough(driver, boot_volume, wait_for):
    volume = boot_volume()
    driver.extend_volume(volume.id, volume.size_gb + 2)
    grown = wait_for(
        lambda: driver.get_volume(volume.id),
        lambda v: v.status == "available" and v.size_gb == volume.size_gb + 2,
    )
    driver.extend_volume(volume.id, volume.size_gb)  # smaller: nothing to do
    assert driver.get_volume(volume.id).size_gb == grown.size_gb


def test_delete_volume_is_idempotent(driver, boot_volume, wait_gone):
    volume = boot_volume()
    driver.delete_volume(volume.id)
    wait_gone(lambda: driver.get_volume(volume.id))
    driver.delete_volume(volume.id)


def test_quota_exhaustion_is_quota_or_capacity(driver, target, sim, scm_uuid):
    sim.admin("PUT", f"/quotas/volume/{target.env['project_name']}", {"gigabytes": 1})
    image = next(i for i in driver.list_images() if i.name == target.env["image_name"])
    try:
        with pytest.raises(errors.QuotaOrCapacity):
            driver.create_volume_from_image(scm_uuid, image.id, 20, "over-quota")
    finally:
        sim.admin("PUT", f"/quotas/volume/{target.env['project_name']}", {"gigabytes": 5000})


def test_boot_from_volume_reaches_active_with_scm_marks(driver, target, active_server, scm_uuid):
    server, volume = active_server()
    assert server.status == "ACTIVE"
    assert server.scm_instance_uuid == scm_uuid
    assert server.metadata["scm_username"] == "alice"
    assert "scm" in server.tags
    assert server.hostname == f"vm-{scm_uuid[:7]}"
    assert server.volume_ids == (volume.id,)
    assert server.private_ip(target.env["private_network"])
    attached = driver.get_volume(volume.id)
    assert attached.status == "in-use" and attached.attached_server_ids == (server.id,)
    assert server.id in {s.id for s in driver.list_servers()}
    with pytest.raises(errors.Conflict):
        driver.delete_volume(volume.id)


def test_reboot_returns_to_active(driver, active_server, wait_for):
    server, _volume = active_server()
    driver.reboot_server(server.id)
    wait_for(lambda: driver.get_server(server.id), lambda s: s.status == "ACTIVE")
    driver.reboot_server(server.id, hard=True)
    wait_for(lambda: driver.get_server(server.id), lambda s: s.status == "ACTIVE")


def test_power_off_keeps_the_boot_volume_and_power_on_reuses_it(
    driver, target, active_server, scm_uuid, wait_for, wait_gone, cleanup
):
    server, volume = active_server()
    driver.delete_server(server.id)
    wait_gone(lambda: driver.get_server(server.id))
    driver.delete_server(server.id)  # idempotent
    freed = wait_for(lambda: driver.get_volume(volume.id), lambda v: v.status == "available")
    assert freed.attached_server_ids == ()
    again = driver.boot_server(
        BootRequest(
            scm_instance_uuid=scm_uuid,
            name=server.name,
            flavor_id=driver.get_flavor(target.env["flavor_name"]).id,
            volume_id=volume.id,
            networks=[target.env["private_network"]],
        )
    )
    cleanup(lambda: wait_gone(lambda: driver.get_server(again.id)))
    cleanup(lambda: driver.delete_server(again.id))
    back = wait_for(lambda: driver.get_server(again.id), lambda s: s.status == "ACTIVE")
    assert back.id != server.id and back.volume_ids == (volume.id,)
    driver.delete_server(again.id)
    wait_gone(lambda: driver.get_server(again.id))


def test_boot_on_an_unknown_network_is_not_found(driver, target, boot_volume, scm_uuid):
    volume = boot_volume()
    with pytest.raises(errors.NotFound):
        driver.boot_server(
            BootRequest(
                scm_uuid,
                "vm-x",
                driver.get_flavor(target.env["flavor_name"]).id,
                volume.id,
                ["no-such-network"],
            )
        )


def test_reboot_while_building_is_conflict(
    driver, target, boot_volume, scm_uuid, sim, cleanup, wait_gone
):
    volume = boot_volume()
    server = driver.boot_server(
        BootRequest(
            scm_uuid,
            "vm-b",
            driver.get_flavor(target.env["flavor_name"]).id,
            volume.id,
            [target.env["private_network"]],
        )
    )
    cleanup(lambda: wait_gone(lambda: driver.get_server(server.id)))
    cleanup(lambda: driver.delete_server(server.id))
    with pytest.raises(errors.Conflict):
        driver.reboot_server(server.id)


def test_failed_boot_shows_error_with_the_fault(driver, active_server, sim):
    sim.fault("boot_error")
    server, _volume = active_server()
    assert server.status == "ERROR"
    assert server.fault_message.startswith("No valid host was found")


def test_gpu_flavor_takes_a_device_and_the_last_one_fails(driver, target, active_server, sim):
    import sqlite3

    def free() -> int:
        with sqlite3.connect(sim.state) as db:
            return db.execute(
                "SELECT COUNT(*) FROM pci_devices WHERE deleted = 0 AND status = "
                "'available' AND product_id IN ('102d')"
            ).fetchone()[0]

    flavor = driver.get_flavor(target.env["gpu_flavor_name"])
    before = free()
    assert before == 2
    first, _ = active_server(flavor_id=flavor.id)
    assert first.status == "ACTIVE" and free() == before - 1
    second, _ = active_server(flavor_id=flavor.id)
    assert second.status == "ACTIVE" and free() == 0
    third, _ = active_server(flavor_id=flavor.id)
    assert third.status == "ERROR"
    assert third.fault_message.startswith("No valid host was found")


def test_floating_ip_lifecycle(driver, target, active_server, scm_uuid, cleanup, wait_for):
    server, _volume = active_server()
    fip = driver.allocate_floating_ip(target.env["external_network"], scm_uuid)
    cleanup(lambda: driver.release_floating_ip(fip.id))
    assert fip.scm_instance_uuid == scm_uuid and fip.port_id is None
    bound = driver.associate_floating_ip(fip.id, server.id, target.env["private_network"])
    assert bound.fixed_ip == server.private_ip(target.env["private_network"])
    wait_for(lambda: driver.get_server(server.id), lambda s: fip.address in s.floating_ips())
    assert fip.id in {f.id for f in driver.list_floating_ips()}
    driver.disassociate_floating_ip(fip.id)
    assert driver.get_floating_ip(fip.id).port_id is None
    driver.release_floating_ip(fip.id)
    driver.release_floating_ip(fip.id)
    assert fip.id not in {f.id for f in driver.list_floating_ips(scm_only=False)}


def test_pool_exhaustion_is_floating_ip_pool_exhausted(driver, target, scm_uuid):
    made = []
    try:
        with pytest.raises(errors.FloatingIPPoolExhausted):
            for _ in range(300):
                made.append(driver.allocate_floating_ip(target.env["external_network"], scm_uuid))
        assert made
    finally:
        for fip in made:
            driver.release_floating_ip(fip.id)


def test_unknown_external_network_is_not_found(driver, scm_uuid):
    with pytest.raises(errors.NotFound):
        driver.allocate_floating_ip("no-such-network", scm_uuid)


def test_dropped_association_is_detected(driver, target, active_server, scm_uuid, sim, cleanup):
    server, _volume = active_server()
    fip = driver.allocate_floating_ip(target.env["external_network"], scm_uuid)
    cleanup(lambda: driver.release_floating_ip(fip.id))
    sim.fault("drop_floating_ip")
    with pytest.raises(errors.FloatingIPAssociationLost):
        driver.associate_floating_ip(fip.id, server.id)


def test_security_group_rules_converge_and_delete_is_idempotent(driver, scm_uuid, cleanup):
    group = driver.create_security_group(
        scm_uuid, allow_rdp=True, compute_node_cidrs=["10.20.32.0/23", "172.16.0.0/16"]
    )
    cleanup(lambda: driver.delete_security_group(group.id))
    ingress = {
        (r.protocol, r.port_min, r.port_max, r.remote_ip_prefix)
        for r in group.rules
        if r.direction == "ingress"
    }
    assert ingress == {
        ("tcp", 22, 22, "0.0.0.0/0"),
        ("tcp", 3389, 3389, "0.0.0.0/0"),
        ("udp", 3389, 3389, "0.0.0.0/0"),
        ("tcp", 1024, 65535, "10.20.32.0/23"),
        ("tcp", 1024, 65535, "172.16.0.0/16"),
    }
    again = driver.create_security_group(
        scm_uuid, allow_rdp=True, compute_node_cidrs=["10.20.32.0/23", "172.16.0.0/16"]
    )
    assert again.id == group.id and len(again.rules) == len(group.rules)
    assert group.scm_instance_uuid == scm_uuid
    driver.delete_security_group(group.id)
    driver.delete_security_group(group.id)
    assert group.id not in {g.id for g in driver.list_security_groups()}


def test_security_group_in_use_cannot_be_deleted(driver, active_server, scm_uuid, cleanup):
    group = driver.create_security_group(scm_uuid)
    cleanup(lambda: driver.delete_security_group(group.id))
    active_server(security_groups=[group.id])
    with pytest.raises(errors.Conflict):
        driver.delete_security_group(group.id)


def test_scm_resources_lists_everything_marked(driver, target, active_server, scm_uuid, cleanup):
    server, volume = active_server()
    fip = driver.allocate_floating_ip(target.env["external_network"], scm_uuid)
    cleanup(lambda: driver.release_floating_ip(fip.id))
    group = driver.create_security_group(scm_uuid)
    cleanup(lambda: driver.delete_security_group(group.id))
    found = driver.list_scm_resources()
    assert server.id in {s.id for s in found.servers}
    assert volume.id in {v.id for v in found.volumes}
    assert fip.id in {f.id for f in found.floating_ips}
    assert group.id in {g.id for g in found.security_groups}
    mine = [s for s in found.servers if s.scm_instance_uuid == scm_uuid]
    assert [s.id for s in mine] == [server.id]
