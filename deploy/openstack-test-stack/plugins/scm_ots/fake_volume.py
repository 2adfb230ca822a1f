"""cinder.tests.fake_driver.FakeLoggingVolumeDriver that "clones" images instantly.

Without it a volume created from an image goes through cinder's download path, which inspects
the image with privsep (sudo + cinder-rootwrap) and qemu-img: none of them is on a test machine.
Reporting a successful clone_image (as Ceph RBD does) skips that path; the volume still gets
the image's glance metadata and becomes bootable.
"""

from cinder.tests.fake_driver import FakeLoggingVolumeDriver
from oslo_log import log as logging

LOG = logging.getLogger(__name__)


class FakeCloningVolumeDriver(FakeLoggingVolumeDriver):
    def clone_image(self, context, volume, image_location, image_meta, image_service):
        LOG.info("fake clone of image %s into volume %s", image_meta.get("id"), volume.id)
        return {"provider_location": None}, True
