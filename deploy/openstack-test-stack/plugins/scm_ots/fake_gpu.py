"""nova's fake compute driver that also reports four K80-like PCI devices (type-PCI).

Run by scm_ots.nova_compute as `compute_driver = fake.FakeGpuDriver`, so that a flavor with
`pci_passthrough:alias=K80:1` schedules and the cell DB's pci_devices table has rows.
Based on FakeDriverWithoutFakeNodes (a FakeDriver with one node, named after the host, whose
UUID persists in <state_path>/compute_id): plain FakeDriver draws a new node UUID per process,
and nova-compute then refuses to start a second time.
"""

from nova.virt import fake
from oslo_serialization import jsonutils

GPU_VENDOR_ID = "10de"  # NVIDIA
GPU_PRODUCT_ID = "102d"  # Tesla K80
GPU_COUNT = 4


class FakeGpuDriver(fake.FakeDriverWithoutFakeNodes):
    def get_available_resource(self, nodename):
        res = super().get_available_resource(nodename)
        res["pci_passthrough_devices"] = jsonutils.dumps(
            [
                {
                    "address": "0000:%02x:00.0" % (0x81 + i),
                    "vendor_id": GPU_VENDOR_ID,
                    "product_id": GPU_PRODUCT_ID,
                    "status": "available",
                    "dev_type": "type-PCI",
                    "parent_addr": None,
                    "numa_node": 0,
                    "label": "label_10de_102d",
                }
                for i in range(GPU_COUNT)
            ]
        )
        return res
