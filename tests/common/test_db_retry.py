"""A deadlock (or a Galera certification failure, which MySQL reports the same way), and a
connection lost before the commit, are retried on a fresh transaction by pyramid_retry; other
database errors, and a connection lost at the commit, are not."""

from __future__ import annotations

import pymysql
import webtest
from pyramid.config import Configurator
from sqlalchemy.exc import OperationalError

from common.db import is_retryable
from common.envelope import ServiceEnvelope


def _deadlock():
    return OperationalError("UPDATE x", {}, pymysql.err.OperationalError(1213, "Deadlock found"))


def _gone():
    return OperationalError(
        "x", {}, pymysql.err.OperationalError(2006, "MySQL server has gone away")
    )


def _app(tmp_path, failures, error=_deadlock):
    calls = []

    def view(request):
        calls.append(1)
        if len(calls) <= failures:
            raise error()
        return request.ok({"attempt": len(calls)})

    settings = {"sqlalchemy.url": f"sqlite:///{tmp_path}/x.sqlite", "retry.attempts": "3"}
    with Configurator(settings=settings) as config:
        config.registry["scm.envelope"] = ServiceEnvelope()
        config.include("common.envelope")
        config.include("common.errors")
        config.include("common.db")
        config.add_route("x", "/x")
        config.add_view(view, route_name="x", renderer="scm_json")
    return webtest.TestApp(config.make_wsgi_app()), calls


def test_deadlock_is_retried_and_succeeds(tmp_path):
    app, _ = _app(tmp_path, failures=2)
    assert app.get("/x").json["data"] == {"attempt": 3}


def test_deadlock_on_every_attempt_is_a_503(tmp_path):
    app, calls = _app(tmp_path, failures=5)
    assert app.get("/x", status=503).json["success"] is False
    assert len(calls) == 3


def test_which_errors_are_retryable():
    assert is_retryable(_deadlock())
    lock_wait = OperationalError("x", {}, pymysql.err.OperationalError(1205, "Lock wait timeout"))
    assert is_retryable(lock_wait)
    gone = _gone()
    assert not is_retryable(gone)  # at the commit: the outcome is unknown
    assert is_retryable(gone, before_commit=True)
    assert not is_retryable(ValueError("no"))


def test_a_connection_lost_during_the_requests_work_is_retried(tmp_path):
    """A Galera node killed under a request (HAProxy then sends the retry to another node)."""
    app, calls = _app(tmp_path, failures=1, error=_gone)
    assert app.get("/x").json["data"] == {"attempt": 2}
    assert len(calls) == 2
