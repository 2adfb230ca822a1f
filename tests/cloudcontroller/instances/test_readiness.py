"""Ready detection (seed 1.15.4) against real listeners on loopback: an ssh banner on a socket,
an image's ``service_url`` answered by a tiny HTTP server; and the worker waiting on them."""

from __future__ import annotations

import contextlib
import functools
import http.server
import socket
import threading

import pytest

from cloudcontroller.instances import readiness
from tests.cloudcontroller.instances.simulator_admin import make_image


class BannerServer:
    """Accepts connections on a free loopback port and greets each with ``banner`` (nothing
    when None); counts the connections."""

    def __init__(self, banner: bytes | None):
        self.banner = banner
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.held: list[socket.socket] = []
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            if self.banner is None:
                self.held.append(conn)  # silent: the client times out
                continue
            with conn:
                conn.sendall(self.banner)

    def close(self) -> None:
        # shutdown() wakes the blocked accept() on Linux; close() alone would not.
        for closing in (lambda: self.sock.shutdown(socket.SHUT_RDWR), self.sock.close):
            with contextlib.suppress(OSError):
                closing()
        self.thread.join(5)
        for conn in self.held:
            conn.close()


@pytest.fixture
def banner_server():
    made = []

    def make(banner: bytes | None) -> BannerServer:
        made.append(BannerServer(banner))
        return made[-1]

    yield make
    for server in made:
        server.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class HTTPServer:
    """A tiny HTTP server on loopback answering every GET with ``status``; records the paths."""

    def __init__(self, status: int = 200, port: int = 0):
        self.paths: list[str] = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                outer.paths.append(self.path)
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


@pytest.fixture
def http_server():
    made = []

    def make(**kw) -> HTTPServer:
        made.append(HTTPServer(**kw))
        return made[-1]

    yield make
    for server in made:
        server.close()


# -- the probes ------------------------------------------------------------------------------
def test_an_ssh_banner_is_ready(banner_server):
    server = banner_server(b"SSH-2.0-OpenSSH_7.4\r\n")
    assert readiness.ssh_answers("127.0.0.1", server.port, timeout=2)
    assert server.connections == 1


def test_another_greeting_is_not_ssh(banner_server):
    server = banner_server(b"220 smtp.example.org ESMTP\r\n")
    assert not readiness.ssh_answers("127.0.0.1", server.port, timeout=2)


def test_a_silent_listener_is_not_ready_after_the_timeout(banner_server):
    server = banner_server(None)
    assert not readiness.ssh_answers("127.0.0.1", server.port, timeout=0.3)
    assert server.connections == 1


def test_nothing_listening_is_not_ready():
    assert not readiness.ssh_answers("127.0.0.1", free_port(), timeout=1)


def test_vm_ready_without_service_url_asks_ssh(banner_server, monkeypatch):
    server = banner_server(b"SSH-2.0-dropbear\r\n")
    monkeypatch.setattr(
        readiness, "ssh_answers", functools.partial(readiness.ssh_answers, port=server.port)
    )
    assert readiness.vm_ready("127.0.0.1", None)
    assert readiness.vm_ready("127.0.0.1", "")


@pytest.mark.parametrize("status", [200, 302, 401, 404, 503])
def test_any_http_answer_is_ready(http_server, status):
    server = http_server(status=status)
    assert readiness.vm_ready("127.0.0.1", f"http://{{}}:{server.port}/login")
    assert server.paths == ["/login"]


def test_the_address_replaces_the_braces(http_server):
    server = http_server()
    url = f"http://127.0.0.1:{server.port}/health?vm={{}}"
    assert readiness.vm_ready("10.42.0.7", url)
    assert server.paths == ["/health?vm=10.42.0.7"]


def test_no_http_server_is_not_ready():
    assert not readiness.vm_ready("127.0.0.1", f"http://{{}}:{free_port()}/")


def test_a_malformed_service_url_is_not_ready():
    assert not readiness.vm_ready("127.0.0.1", "not a url {}")


# -- the worker waiting on them --------------------------------------------------------------
def test_worker_waits_for_the_service_url_then_activates(make_stack, cloudauth, clock):
    """The image's service_url points at loopback with the VM's address in the query: the
    worker's real probe (urllib) reaches the tiny HTTP server once it is up."""
    port = free_port()
    stack = make_stack(
        **{"virtualization.ready_check": "ssh", "virtualization.ready_timeout": "600"}
    )
    who = cloudauth.user()
    stack.system_user(who)
    image = make_image(
        stack.simulator, "svc", "public", service_url=f"http://127.0.0.1:{port}/ready?vm={{}}"
    )
    created = stack.create(who, image=image)["data"]
    worker = stack.worker()
    waiting = stack.run_until(worker, created["id"], {"CONFIGURING", "ERROR"}, who)
    assert waiting["status"] == "CONFIGURING"
    for _ in range(3):  # nothing answers yet: it keeps waiting, no error
        worker.run_cycle()
    assert stack.get(who, created["id"])["status"] == "CONFIGURING"

    server = HTTPServer(port=port)
    try:
        active = stack.run_until(worker, created["id"], {"ACTIVE", "ERROR"}, who)
    finally:
        server.close()
    assert active["status"] == "ACTIVE"
    assert server.paths and set(server.paths) == {f"/ready?vm={active['public-ip']}"}


def test_service_url_silent_past_ready_timeout_is_error(make_stack, cloudauth, clock):
    stack = make_stack(
        **{"virtualization.ready_check": "ssh", "virtualization.ready_timeout": "60"}
    )
    who = cloudauth.user()
    stack.system_user(who)
    image = make_image(
        stack.simulator, "svc", "public", service_url=f"http://127.0.0.1:{free_port()}/"
    )
    created = stack.create(who, image=image)["data"]
    worker = stack.worker()
    stack.run_until(worker, created["id"], {"CONFIGURING"}, who)
    clock.advance(seconds=61)
    failed = stack.run_until(worker, created["id"], {"ERROR"}, who)
    assert failed["status-reason"] == "its service_url did not answer within 60 s"


def test_worker_asks_ssh_on_the_public_address(make_stack, cloudauth, banner_server, clock):
    """Without service_url the worker's probe is the ssh banner check on the VM's public IP;
    the VM's address is mapped onto the loopback listener to get there."""
    server = banner_server(b"SSH-2.0-OpenSSH_7.4\r\n")
    asked = []

    def probe(address, service_url):
        asked.append((address, service_url))
        if server.banner is None:
            return False
        return readiness.ssh_answers("127.0.0.1", server.port, timeout=2)

    stack = make_stack(
        **{"virtualization.ready_check": "ssh", "virtualization.ready_timeout": "60"}
    )
    who = cloudauth.user()
    stack.system_user(who)
    created = stack.create(who)["data"]
    active = stack.run_until(stack.worker(probe=probe), created["id"], {"ACTIVE", "ERROR"}, who)
    assert active["status"] == "ACTIVE"
    assert set(asked) == {(active["public-ip"], None)}
    assert server.connections >= 1

    # Silent sshd past virtualization.ready_timeout: ERROR with the reason.
    server.banner = None
    again = stack.create(who)["data"]
    worker = stack.worker(probe=probe)
    stack.run_until(worker, again["id"], {"CONFIGURING"}, who)
    clock.advance(seconds=61)
    failed = stack.run_until(worker, again["id"], {"ERROR"}, who)
    assert failed["status-reason"] == "ssh did not answer within 60 s"
