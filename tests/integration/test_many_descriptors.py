"""A process holding more than 1024 file descriptors (a long-running demo, a test run) still
serves: waitress's default select() loop dies on the first descriptor past FD_SETSIZE
("filedescriptor out of range in select()"), and every request then waits until it times out.
The demo launcher serves with poll()."""

from __future__ import annotations

import contextlib
import os
import resource

import pytest
import requests

from scmdemo.launcher import _serve


def hello(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"hello"]


@pytest.fixture
def past_fd_setsize():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < 1500:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(4096, hard), hard))
    held = []
    with contextlib.ExitStack() as stack:
        stack.callback(resource.setrlimit, resource.RLIMIT_NOFILE, (soft, hard))
        while True:
            fd = os.open(os.devnull, os.O_RDONLY)
            held.append(fd)
            if fd > 1100:
                break
        yield
        for fd in held:
            os.close(fd)


def test_a_server_started_past_1024_descriptors_answers(past_fd_setsize):
    server = _serve(hello, "127.0.0.1", 0, "many-fds")
    try:
        assert server.socket.fileno() > 1024
        answer = requests.get(f"http://127.0.0.1:{server.effective_port}/", timeout=10)
        assert answer.status_code == 200 and answer.text == "hello"
    finally:
        server.close()
