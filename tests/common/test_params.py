"""The one bounded parser: ids that cannot exist are 404 before any lookup; dates and integers
outside their bounds are 400s naming the parameter."""

from __future__ import annotations

import datetime as dt

import pytest
from pyramid.request import Request
from pyramid.testing import DummyRequest

from common.errors import BadRequest, NotFound
from common.params import (
    LAST_DATE,
    Params,
    parse_date,
    parse_int,
    path_int,
    path_openstack_id,
    path_uuid,
)


def _path(**matchdict):
    request = DummyRequest()
    request.matchdict = matchdict
    return request


@pytest.mark.parametrize(
    "raw",
    [
        "99999999999999999999",
        "9223372036854775808",
        "-1",
        "0",
        "1e3",
        " ",
        "",
        "0x10",
        "\uff11\uff12",
        "12\x00",
    ],
)
def test_path_int_refuses_what_cannot_be_an_id(raw):
    with pytest.raises(NotFound, match="no role"):
        path_int(_path(role_id=raw), "role_id", "role")


def test_path_int_accepts_the_largest_64_bit_id():
    assert path_int(_path(role_id="9223372036854775807"), "role_id", "role") == 2**63 - 1
    assert path_int(_path(role_id="7"), "role_id", "role") == 7


def test_path_uuid_is_canonical_and_refuses_others():
    raw = "0F8FAD5BD9CB469FA16570867728950E"
    assert path_uuid(_path(i=raw), "i", "x") == "0f8fad5b-d9cb-469f-a165-70867728950e"
    for bad in ("..", "0f8fad5b-d9cb-469f-a165-70867728950", "x" * 36, "%FF"):
        with pytest.raises(NotFound):
            path_uuid(_path(i=bad), "i", "x")


@pytest.mark.parametrize("raw", ["..", ".", "a/b", "", "x" * 256, "fl avor", "ü", "-x"])
def test_path_openstack_id_refuses_path_tricks(raw):
    with pytest.raises(NotFound, match="no flavor"):
        path_openstack_id(_path(f=raw), "f", "flavor")


def test_path_openstack_id_keeps_real_ids():
    for good in ("1", "m1.small", "0f8fad5b-d9cb-469f-a165-70867728950e", "gpu_large-2"):
        assert path_openstack_id(_path(f=good), "f", "flavor") == good


@pytest.mark.parametrize(
    "raw",
    [
        "9999-12-31",
        "0001-01-01",
        "2026-02-30",
        "2026-1-1",
        "20260101",
        None,
        "\uff12\uff10\uff12\uff16-01-01",
    ],
)
def test_parse_date_refuses_out_of_range_and_malformed(raw):
    with pytest.raises(BadRequest, match="end_date"):
        parse_date(raw, "end_date")


def test_parse_date_bounds_leave_room_for_a_day_either_side():
    assert parse_date(str(LAST_DATE), "d") + dt.timedelta(days=1) > LAST_DATE
    assert parse_date("2026-12-03", "d") == dt.date(2026, 12, 3)


def test_parse_int_bounds():
    assert parse_int("10", maximum=10) == 10
    assert parse_int("11", maximum=10) is None
    assert parse_int(10**30) is None
    assert parse_int(True) is None


def test_params_int_refuses_overflow_with_a_message():
    request = Request.blank("/?limit=99999999999")
    with pytest.raises(BadRequest, match="limit must be between"):
        Params(request).int("limit", 5, minimum=1, maximum=1200)
    with pytest.raises(BadRequest, match="whole number"):
        Params(Request.blank("/?limit=ten")).int("limit", 5)
