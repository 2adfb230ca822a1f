"""nova-compute with `compute_driver = fake.FakeGpuDriver` available.

nova loads compute drivers only from the nova.virt namespace, so this launcher adds
scm_ots.fake_gpu.FakeGpuDriver to nova.virt.fake and then runs nova-compute's own main().
Run as: python -m scm_ots.nova_compute --config-file nova.conf
"""

import sys

from nova.cmd import compute  # first: applies nova's own monkey patching
from nova.virt import fake

from scm_ots.fake_gpu import FakeGpuDriver

fake.FakeGpuDriver = FakeGpuDriver

if __name__ == "__main__":
    sys.argv[0] = "nova-compute"
    sys.exit(compute.main())
