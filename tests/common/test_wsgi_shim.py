"""The shim every app is served through (common.versionprefix.make_wsgi_app)."""

from __future__ import annotations

import io
import itertools
import json

from pyramid.config import Configurator

from common.versionprefix import make_wsgi_app


class NeverRead(io.RawIOBase):
    """mod_wsgi's input for a request without a body: reading it is work nobody needs."""

    def readable(self):
        return True

    def readinto(self, buffer):
        raise AssertionError("the body of a request without one was read")


def app_with(counter=None):
    config = Configurator(settings={"retry.attempts": "3"})
    config.include("pyramid_retry")
    counter = counter or itertools.count()
    config.add_request_method(lambda request: next(counter), "serial", reify=True)

    def echo(request):
        return {
            "path": request.path_info,
            "script": request.script_name,
            "body": request.body.decode(),
            "serial": [request.serial, request.serial],
            "class": id(type(request)),
        }

    config.add_route("echo", "/echo")
    config.add_view(echo, route_name="echo", renderer="json")
    return make_wsgi_app(config)


def call(app, path="/echo", method="GET", body=None, headers=None):
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "SCRIPT_NAME": "",
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body) if body is not None else NeverRead(),
        "wsgi.input_terminated": True,  # as mod_wsgi says of its input
        "wsgi.errors": io.StringIO(),
    }
    environ.update(headers or {})
    status = []
    chunks = b"".join(app(environ, lambda s, h, exc=None: status.append(s)))
    return status[0], json.loads(chunks) if status[0].startswith("200") else None


def test_a_request_without_length_or_chunking_has_no_body_to_read():
    status, body = call(app_with())
    assert status.startswith("200")
    assert body["body"] == ""


def test_a_chunked_request_body_is_still_read():
    status, body = call(
        app_with(), method="POST", body=b"a=1", headers={"HTTP_TRANSFER_ENCODING": "chunked"}
    )
    assert status.startswith("200")
    assert body["body"] == "a=1"


def test_a_request_with_a_length_is_read():
    _, body = call(app_with(), method="POST", body=b"abc", headers={"CONTENT_LENGTH": "3"})
    assert body["body"] == "abc"


def test_version_prefixes_move_to_script_name():
    app = app_with()
    for prefix in ("/v1", "/v1.0", "/v1.1", ""):
        status, body = call(app, path=prefix + "/echo")
        assert status.startswith("200"), prefix
        assert (body["path"], body["script"]) == ("/echo", prefix)
    status, _ = call(app, path="/v1.2/echo")
    assert status.startswith("404")


def test_request_properties_are_per_request_on_one_class_built_once():
    app = app_with()
    _, first = call(app)
    _, second = call(app)
    # reify: computed once per request, and again for the next one
    assert first["serial"] == [0, 0]
    assert second["serial"] == [1, 1]
    assert first["class"] == second["class"]
