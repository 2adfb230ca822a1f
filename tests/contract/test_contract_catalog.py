"""Contract: flavors, images, negotiation and identity, through the driver."""

from __future__ import annotations

import pytest

from cloudcontroller.openstack import errors
from cloudcontroller.openstack.driver import OpenStackDriver
from cloudcontroller.openstack.interfaces import OpenStack


def test_driver_satisfies_the_interface(driver):
    assert isinstance(driver, OpenStack)


def test_check_negotiates_the_pinned_microversions(driver):
    assert driver.check() == {"compute": "2.90", "volume": "3.60"}


def test_wrong_password_is_authentication_failed(target):
    bad = OpenStackDriver(target.settings(password="not-the-password"))
    with pytest.raises(errors.AuthenticationFailed):
        bad.list_flavors()


def test_unreachable_cloud_is_unavailable(target):
    down = OpenStackDriver(target.settings(auth_url="http://127.0.0.1:9/identity/v3", timeout=2))
    with pytest.raises(errors.OpenStackUnavailable):
        down.list_flavors()


def test_microversion_the_cloud_lacks_is_unsupported(target):
    future = OpenStackDriver(target.settings(nova_microversion="2.999"))
    with pytest.raises(errors.UnsupportedCloud):
        future.check()


def test_microversion_beyond_the_simulators_range_is_unsupported(target, sim):
    with pytest.raises(errors.UnsupportedCloud):
        OpenStackDriver(target.settings(nova_microversion="2.95")).check()


def test_list_flavors_carries_extra_specs(driver, target):
    flavors = {f.name: f for f in driver.list_flavors()}
    assert target.env["flavor_name"] in flavors
    gpu_name = target.env.get("gpu_flavor_name")
    if gpu_name:
        gpu = flavors[gpu_name]
        assert gpu.wants_gpu and gpu.gpu_request is not None
    assert not flavors[target.env["flavor_name"]].gpu_request


def test_get_flavor_by_id_or_name(driver, target):
    by_name = driver.get_flavor(target.env["flavor_name"])
    assert driver.get_flavor(by_name.id) == by_name
    with pytest.raises(errors.NotFound):
        driver.get_flavor("no-such-flavor")


def test_list_images_filters_on_custom_properties(driver, target):
    found = driver.list_images({"image_type": "loginnode", "active": "true"})
    names = {i.name for i in found}
    assert target.env["image_name"] in names
    image = next(i for i in found if i.name == target.env["image_name"])
    assert image.properties["image_type"] == "loginnode"
    assert image.status == "active"
    assert driver.list_images({"image_type": "no-such-type"}) == []


def test_get_image(driver, target):
    image = next(i for i in driver.list_images() if i.name == target.env["image_name"])
    assert driver.get_image(image.id) == image
    with pytest.raises(errors.NotFound):
        driver.get_image("00000000-0000-0000-0000-000000000000")


def test_ensure_user_converges_and_delete_is_idempotent(driver, target, scm_uuid):
    name = f"scm-test-{scm_uuid[:8]}"
    try:
        first = driver.ensure_user(name, "pw-1", target.env["project_name"])
        again = driver.ensure_user(name, "pw-1", target.env["project_name"])
        assert first == again
        assert first.name == name and "member" in first.roles
    finally:
        driver.delete_user(name)
    driver.delete_user(name)
    with pytest.raises(errors.NotFound):
        driver.ensure_user(name, "pw", "no-such-project")


def test_unavailable_service_is_unavailable(driver, sim):
    sim.fault("unavailable", service="compute")
    with pytest.raises(errors.OpenStackUnavailable):
        driver.list_flavors()
    assert driver.list_flavors()


def test_slow_answer_past_the_timeout_is_unavailable(target, sim):
    impatient = OpenStackDriver(target.settings(timeout=0.5))
    impatient.check()
    sim.fault("slow", service="image", seconds=1.5)
    with pytest.raises(errors.OpenStackUnavailable):
        impatient.list_images()


def test_settings_from_ini_name_what_is_missing():
    import pytest

    from cloudcontroller.openstack.settings import OpenStackSettings
    from common.settings import ConfigError

    with pytest.raises(ConfigError, match="openstack.password"):
        OpenStackSettings.from_settings(
            {"openstack.auth_url": "http://x", "openstack.username": "u"}
        )
    full = {
        "openstack.auth_url": "http://127.0.0.1:7695/identity/v3",
        "openstack.username": "admin",
        "openstack.password": "pw",
        "openstack.project_name": "scm",
        "openstack.verify": "/etc/ssl/ca.pem",
        "openstack.timeout": "1m",
    }
    settings = OpenStackSettings.from_settings(full)
    assert settings.verify == "/etc/ssl/ca.pem" and settings.timeout == 60
    assert (
        OpenStackSettings.from_settings(dict(full, **{"openstack.verify": "false"})).verify is False
    )
