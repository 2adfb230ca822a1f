"""Cinder's wire format and behaviour: creating -> available, extend, delete, errors, quota."""

from __future__ import annotations


def test_volume_from_image_transitions_to_available_and_bootable(api):
    image_id = api.login_image_id()
    resp = api.call(
        "POST",
        "volume",
        "/volumes",
        mv="3.60",
        json={
            "volume": {
                "size": 10,
                "imageRef": image_id,
                "name": "boot",
                "metadata": {"scm_instance_uuid": "u1"},
            }
        },
    )
    assert resp.status_code == 202
    assert resp.headers["OpenStack-API-Version"] == "volume 3.60"
    volume = resp.json()["volume"]
    assert (volume["status"], volume["bootable"]) == ("creating", "false")
    done = api.wait("volume", f"/volumes/{volume['id']}", "volume", "status", {"available"})
    assert done["bootable"] == "true"
    assert done["volume_image_metadata"]["image_id"] == image_id
    assert done["volume_image_metadata"]["image_type"] == "loginnode"
    assert done["metadata"] == {"scm_instance_uuid": "u1"}


def test_volume_smaller_than_image_min_disk_is_bad_request(api):
    resp = api.call(
        "POST", "volume", "/volumes", json={"volume": {"size": 1, "imageRef": api.login_image_id()}}
    )
    assert resp.status_code == 400
    assert resp.json() == {
        "badRequest": {
            "code": 400,
            "message": ("Volume size 1GB cannot be smaller than the image minDisk size 8GB."),
        }
    }


def test_extend_grows_and_refuses_shrinking(api):
    volume = api.make_volume(size=10)
    path = f"/volumes/{volume['id']}/action"
    same = api.call("POST", "volume", path, json={"os-extend": {"new_size": 10}})
    assert same.status_code == 400
    assert (
        "New size for extend must be greater than current size"
        in same.json()["badRequest"]["message"]
    )
    assert api.call("POST", "volume", path, json={"os-extend": {"new_size": 15}}).status_code == 202
    assert api.call("GET", "volume", f"/volumes/{volume['id']}").json()["volume"]["status"] == (
        "extending"
    )
    done = api.wait("volume", f"/volumes/{volume['id']}", "volume", "status", {"available"})
    assert done["size"] == 15


def test_delete_goes_through_deleting_then_404(api):
    volume = api.make_volume()
    assert api.call("DELETE", "volume", f"/volumes/{volume['id']}").status_code == 202
    resp = api.call("GET", "volume", f"/volumes/{volume['id']}")
    assert resp.json()["volume"]["status"] == "deleting"
    import time

    deadline = time.monotonic() + 10
    while resp.status_code != 404 and time.monotonic() < deadline:
        time.sleep(0.05)
        resp = api.call("GET", "volume", f"/volumes/{volume['id']}")
    assert resp.json() == {
        "itemNotFound": {"code": 404, "message": (f"Volume {volume['id']} could not be found.")}
    }


def test_deleting_an_attached_volume_is_refused(api):
    volume = api.make_volume()
    server_id = api.boot(volume["id"]).json()["server"]["id"]
    api.wait("compute", f"/servers/{server_id}", "server", "status", {"ACTIVE"})
    resp = api.call("DELETE", "volume", f"/volumes/{volume['id']}")
    assert resp.status_code == 400
    assert resp.json()["badRequest"]["message"].startswith("Invalid volume: Volume status must be")
    api.call("DELETE", "compute", f"/servers/{server_id}")


def test_list_filters_on_metadata(api):
    mark = api.make_volume(metadata={"scm_instance_uuid": "find-me"})
    api.make_volume(metadata={"scm_instance_uuid": "other"})
    resp = api.call("GET", "volume", '/volumes/detail?metadata={"scm_instance_uuid":"find-me"}')
    assert [v["id"] for v in resp.json()["volumes"]] == [mark["id"]]


def test_gigabytes_quota_is_413_over_limit(api, sim):
    sim.admin("PUT", "/quotas/volume/scm", {"gigabytes": 1})
    try:
        resp = api.call("POST", "volume", "/volumes", json={"volume": {"size": 10_000}})
        assert resp.status_code == 413
        assert resp.json()["overLimit"]["message"].startswith("VolumeSizeExceedsAvailableQuota")
    finally:
        sim.admin("PUT", "/quotas/volume/scm", {"gigabytes": 5000})


def test_volume_error_fault_ends_in_error(api, sim):
    sim.fault("volume_error")
    assert api.make_volume()["status"] == "error"


def test_project_in_url_must_match_the_token(api):
    resp = api.http.get(api.base + "/volume/v3/someoneelse/volumes", timeout=10)
    assert resp.status_code in (400, 200)  # admin may read any project; the body says which
    other = api.http.get(api.base + "/volume/v3/", timeout=10)
    assert other.json()["versions"][0]["version"] == "3.60"
