"""`scm-openstack-sim`: serve the simulator, and do what operators do with the OpenStack CLI.

Every command but `serve` works on the state file directly (a running simulator sees the change
on its next request), the way `nova-manage` works on Nova's database.

    scm-openstack-sim serve --port 7695
    scm-openstack-sim flavor create scm.login_small --id 7 --ram 512 --disk 5 --vcpus 1 \\
        --property gpu=false
    scm-openstack-sim image create my-image --min-disk 15 --property image_type=loginnode
    scm-openstack-sim fault add boot_error
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from openstack_simulator import glance, neutron, nova, seed
from openstack_simulator.faults import DELAY_NAMES, check_fault
from openstack_simulator.http import ApiError
from openstack_simulator.state import Store

DEFAULT_STATE = "var/openstack-sim/state.sqlite"
DEFAULT_PORT = 7695


def open_store(path: str) -> Store:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    store = Store(path)
    seed.seed(store)
    return store


def pairs(values: list[str] | None) -> dict[str, str]:
    result = {}
    for item in values or []:
        key, sep, value = item.partition("=")
        if not sep:
            raise SystemExit(f"expected key=value, got {item!r}")
        result[key] = value
    return result


def show(data: object) -> None:
    print(json.dumps(data, indent=2, sort_keys=True))


def _find(store: Store, kind: str, ref: str) -> dict:
    found = store.get(kind, ref) or next(iter(store.all(kind, name=ref)), None)
    if found is None:
        raise SystemExit(f"no {kind} {ref!r}")
    return found


def cmd_serve(args: argparse.Namespace) -> int:
    import waitress

    from openstack_simulator.app import Simulator

    started = time.monotonic()
    store = open_store(args.state)
    delays = {
        name: getattr(args, f"{name}_delay")
        for name in DELAY_NAMES
        if getattr(args, f"{name}_delay") is not None
    }
    app = Simulator(store, delays)
    # A cloud's API endpoints take many clients at once; waitress's default of 100 open
    # connections would stall a test run in which every app under test keeps its own.
    server = waitress.create_server(
        app,
        host=args.host,
        port=args.port,
        threads=args.threads,
        ident="openstack-simulator",
        connection_limit=10_000,
        channel_timeout=30,
        asyncore_use_poll=True,
    )
    print(
        f"openstack-simulator listening on http://{args.host}:{server.effective_port} "
        f"(state {args.state}, ready in {time.monotonic() - started:.2f}s)",
        flush=True,
    )
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
        store.close()
    return 0


def cmd_flavor(args: argparse.Namespace) -> int:
    store = open_store(args.state)
    if args.action == "list":
        show(
            [
                {
                    k: f[k]
                    for k in ("id", "name", "ram", "disk", "vcpus", "is_public", "extra_specs")
                }
                for f in store.all("flavor")
            ]
        )
    elif args.action == "create":
        show(
            nova.create_flavor(
                store,
                args.name,
                args.ram,
                args.disk,
                args.vcpus,
                args.id,
                not args.private,
                pairs(args.property),
            )
        )
    else:
        flavor = _find(store, "flavor", args.name)
        if args.action == "set":
            flavor["extra_specs"].update(pairs(args.property))
        else:
            for key in args.property or []:
                flavor["extra_specs"].pop(key, None)
        show(store.put("flavor", flavor))
    return 0


def cmd_image(args: argparse.Namespace) -> int:
    store = open_store(args.state)
    if args.action == "list":
        show([glance.image_view(i) for i in store.all("image")])
        return 0
    if args.action == "create":
        owner = _find(store, "project", args.project)["id"]
        show(
            glance.image_view(
                glance.create_image(
                    store,
                    args.name,
                    owner,
                    args.visibility or "public",
                    args.min_disk,
                    args.min_ram,
                    pairs(args.property),
                    data=b"scm simulator image " + args.name.encode() + b"\n",
                )
            )
        )
        return 0
    image = _find(store, "image", args.name)
    image["properties"].update(pairs(args.property))
    if args.visibility:
        image["visibility"] = args.visibility
    for key in ("min_disk", "min_ram"):
        if getattr(args, key) is not None:
            image[key] = getattr(args, key)
    show(glance.image_view(store.put("image", image)))
    return 0


def cmd_pool(args: argparse.Namespace) -> int:
    store = open_store(args.state)
    if args.action == "list":
        show(
            [
                {
                    "network": n["name"],
                    "id": n["id"],
                    "subnets": [
                        {"cidr": s["cidr"], "allocation_pools": s["allocation_pools"]}
                        for s in store.all("subnet", network_id=n["id"])
                    ],
                    "allocated": len(store.all("floatingip", floating_network_id=n["id"])),
                }
                for n in store.all("network")
                if n["router:external"]
            ]
        )
        return 0
    owner = _find(store, "project", seed.ADMIN_PROJECT)["id"]
    network = neutron.create_network(store, args.name, owner, external=True)
    pools = [{"start": args.start, "end": args.end}] if args.start and args.end else None
    neutron.create_subnet(store, network["id"], args.cidr, f"{args.name}-subnet", pools)
    show(store.get("network", network["id"]))
    return 0


def cmd_gpu(args: argparse.Namespace) -> int:
    store = open_store(args.state)
    if args.action == "add":
        store.add_pci_device(args.address, args.product_id, args.vendor_id)
    show(store.pci_devices())
    return 0


def cmd_fault(args: argparse.Namespace) -> int:
    store = open_store(args.state)
    if args.action == "add":
        try:
            service = check_fault(args.kind, args.service)
        except ApiError as err:
            raise SystemExit(err.message) from err
        store.add_fault(args.kind, service, args.count, args.seconds)
    elif args.action == "clear":
        store.clear_faults()
    show(store.faults())
    return 0


def cmd_quota(args: argparse.Namespace) -> int:
    store = open_store(args.state)
    project = _find(store, "project", args.project)
    key = f"quota.{args.service}.{project['id']}"
    store.set_setting(
        key, {**store.setting(key, {}), **{k: int(v) for k, v in pairs(args.limit).items()}}
    )
    show(store.setting(key))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="scm-openstack-sim", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--state",
        default=os.environ.get("SCM_OPENSTACK_SIM_STATE", DEFAULT_STATE),
        help=f"SQLite state file (default {DEFAULT_STATE})",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the simulator")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=DEFAULT_PORT, help="0 picks a free port")
    serve.add_argument("--threads", type=int, default=4)
    for name in DELAY_NAMES:
        serve.add_argument(
            f"--{name}-delay", type=float, default=None, help=f"seconds the {name} transition takes"
        )
    serve.set_defaults(func=cmd_serve)

    flavor = sub.add_parser("flavor", help="list/create flavors, set/unset extra specs")
    flavor.add_argument("action", choices=["list", "create", "set", "unset"])
    flavor.add_argument("name", nargs="?")
    flavor.add_argument("--id")
    flavor.add_argument("--ram", type=int, default=512)
    flavor.add_argument("--disk", type=int, default=1)
    flavor.add_argument("--vcpus", type=int, default=1)
    flavor.add_argument("--private", action="store_true")
    flavor.add_argument("--property", action="append", help="extra spec key=value (or key)")
    flavor.set_defaults(func=cmd_flavor)

    image = sub.add_parser("image", help="list/create images, set properties")
    image.add_argument("action", choices=["list", "create", "set"])
    image.add_argument("name", nargs="?")
    image.add_argument("--project", default=seed.ADMIN_PROJECT, help="owner project name or id")
    image.add_argument("--visibility", choices=list(glance.VISIBILITIES))
    image.add_argument("--min-disk", type=int, default=None)
    image.add_argument("--min-ram", type=int, default=None)
    image.add_argument("--property", action="append", help="key=value")
    image.set_defaults(func=cmd_image)

    pool = sub.add_parser("pool", help="floating IP pools (external networks)")
    pool.add_argument("action", choices=["list", "create"])
    pool.add_argument("name", nargs="?")
    pool.add_argument("--cidr", default="198.51.100.0/24")
    pool.add_argument("--start")
    pool.add_argument("--end")
    pool.set_defaults(func=cmd_pool)

    gpu = sub.add_parser("gpu", help="PCI (GPU) devices in Nova's pci_devices table")
    gpu.add_argument("action", choices=["list", "add"])
    gpu.add_argument("address", nargs="?", default="0000:86:00.0")
    gpu.add_argument("--product-id", default=seed.GPU_PRODUCT_ID)
    gpu.add_argument("--vendor-id", default=seed.GPU_VENDOR_ID)
    gpu.set_defaults(func=cmd_gpu)

    fault = sub.add_parser(
        "fault", help="inject faults: boot_error, volume_error, unavailable, slow, drop_floating_ip"
    )
    fault.add_argument("action", choices=["add", "list", "clear"])
    fault.add_argument("kind", nargs="?")
    fault.add_argument("--service")
    fault.add_argument("--count", type=int, default=1, help="-1: until cleared")
    fault.add_argument("--seconds", type=float, default=0.0)
    fault.set_defaults(func=cmd_fault)

    quota = sub.add_parser("quota", help="set a project's compute or volume quota")
    quota.add_argument("service", choices=["compute", "volume"])
    quota.add_argument("project")
    quota.add_argument("limit", nargs="+", help="instances=N cores=N ram=MB volumes=N gigabytes=N")
    quota.set_defaults(func=cmd_quota)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    needs_name = {
        "flavor": {"create", "set", "unset"},
        "image": {"create", "set"},
        "pool": {"create"},
        "fault": {"add"},
    }
    action = getattr(args, "action", None)
    name = args.kind if args.command == "fault" else getattr(args, "name", "")
    if action in needs_name.get(args.command, set()) and name is None:
        raise SystemExit(f"{args.command} {action}: a name is required")
    if args.command == "image" and args.action == "create":
        args.min_disk = args.min_disk or 0
        args.min_ram = args.min_ram or 0
    try:
        return args.func(args)
    except ApiError as err:
        print(f"error: {err.message}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
