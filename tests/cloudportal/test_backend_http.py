"""The portal's one HTTP path to its backends (cloudportal/clients/http.py), on urllib3: what
requests used to do for it (encoding, TLS, errors) is still done, and each way a backend can
fail is told apart in the words a user reads."""

from __future__ import annotations

import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import certifi
import pytest

from cloudportal.clients.http import BackendHTTP, CallCounter, Credentials, encode, pooled_session
from cloudportal.errors import BackendError, BackendUnavailable, SessionEnded
from cloudportal.settings import Backend


def backend(url: str, verify=True, read_timeout: float = 5.0) -> Backend:
    return Backend("Penguin East", url, 2.0, read_timeout, verify)


def client(url: str, **kw) -> BackendHTTP:
    config = backend(url, **kw)
    return BackendHTTP(
        config, pooled_session(config, 2), Credentials("tok", "uid"), CallCounter(), "msg"
    )


def test_forms_and_queries_repeat_a_list_and_leave_out_none():
    fields = {"a": "x y", "queue": ["q1", "q2"], "gone": None, "n": 3, "e": "é&="}
    assert encode(fields) == "a=x+y&queue=q1&queue=q2&n=3&e=%C3%A9%26%3D"
    assert encode({}) == encode(None) == ""


@pytest.mark.parametrize(
    ("verify", "expected"),
    [
        (True, {"cert_reqs": "CERT_REQUIRED", "ca_certs": certifi.where()}),
        ("/etc/site-ca.pem", {"cert_reqs": "CERT_REQUIRED", "ca_certs": "/etc/site-ca.pem"}),
        (False, {"cert_reqs": "CERT_NONE"}),
    ],
)
def test_tls_is_verified_against_certifi_or_the_configured_bundle_unless_turned_off(
    verify, expected
):
    pool = pooled_session(backend("https://cc.example.org", verify=verify), 2)
    kw = pool.connection_pool_kw
    assert {k: kw.get(k) for k in expected} == expected
    if verify is False:
        assert "ca_certs" not in kw


class Answers(BaseHTTPRequestHandler):
    """A backend that answers by path; it records what it was sent."""

    seen: list = []

    def log_message(self, *args):
        pass

    def _answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        Answers.seen.append((self.command, self.path, dict(self.headers), body))
        status, text = {
            "/ok": (200, b'{"success": true, "data": [1]}'),
            "/refused": (409, b'{"success": false, "msg": "no free GPU"}'),
            "/expired": (401, b'{"success": false, "msg": "token expired"}'),
            "/html": (200, b"<html>proxy login</html>"),
        }.get(self.path.split("?")[0], (404, b""))
        self.send_response(status)
        self.send_header("Content-Length", str(len(text)))
        self.end_headers()
        self.wfile.write(text)

    do_GET = do_POST = do_PUT = _answer


@pytest.fixture
def answers():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Answers)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    Answers.seen = []
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def test_the_users_token_a_json_body_and_a_form_reach_the_backend(answers):
    http = client(answers)
    assert http.call("GET", "/ok", params={"limit": "5", "q": None})["data"] == [1]
    http.call("PUT", "/ok", json={"power": "off"})
    http.call("POST", "/ok", data={"email": "a@b.cd", "x": None}, auth=False)
    (get, put, post) = Answers.seen
    assert get[1] == "/ok?limit=5"
    assert get[2]["X-Auth-Token"] == "tok" and get[2]["X-Auth-Cloudauth-Id"] == "uid"
    assert put[2]["Content-Type"] == "application/json" and put[3] == b'{"power": "off"}'
    assert post[2]["Content-Type"] == "application/x-www-form-urlencoded"
    assert post[3] == b"email=a%40b.cd" and "X-Auth-Token" not in post[2]
    assert http.counter.count == 3


def test_a_backends_refusal_and_an_ended_token_keep_its_words(answers):
    http = client(answers)
    with pytest.raises(BackendError) as refused:
        http.call("POST", "/refused", json={})
    assert (refused.value.status, refused.value.message) == (409, "no free GPU")
    with pytest.raises(SessionEnded):
        http.call("GET", "/expired")


def test_an_answer_that_is_not_the_api_says_so(answers):
    with pytest.raises(BackendUnavailable) as html:
        client(answers).call("GET", "/html")
    assert html.value.reason == "it answered HTTP 200, not its API"


def test_nothing_listening_is_a_failed_connection_not_a_timeout(stopped_port):
    with pytest.raises(BackendUnavailable) as down:
        client(f"http://127.0.0.1:{stopped_port}").call("GET", "/server-instance")
    assert down.value.reason == "the connection failed"


def test_a_backend_that_never_answers_is_a_timeout():
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(1)  # accepted by the kernel, never answered
    try:
        url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        with pytest.raises(BackendUnavailable) as late:
            client(url, read_timeout=0.2).call("GET", "/server-instance")
    finally:
        silent.close()
    assert late.value.reason == "it did not answer in time"
