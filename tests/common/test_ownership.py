"""Who sees every user's resources: one rule in common.ownership, for the controller and the
accountant alike (issue 10, item 3), each service naming itself."""

from __future__ import annotations

import pytest

import cloudaccountant.access
from common.ownership import sees_everything
from common.security import Identity


def who(*roles: str) -> Identity:
    return Identity(userid="u" * 32, email="u@example.com", roles=frozenset(roles))


@pytest.mark.parametrize(
    ("roles", "controller", "accountant"),
    [
        (("superuser",), True, True),
        (("cloudcontroller_admin",), True, False),
        (("cloudaccountant_admin",), True, True),
        (("account_owner",), False, False),
        ((), False, False),
    ],
)
def test_who_sees_everything_in_each_service(roles, controller, accountant):
    assert sees_everything(who(*roles)) is controller  # the controller's call sites
    assert sees_everything(who(*roles), "cloudcontroller") is controller
    assert sees_everything(who(*roles), "cloudaccountant") is accountant


def test_the_accountant_has_no_rule_of_its_own():
    names = vars(cloudaccountant.access)
    assert "ADMIN_ROLES" not in names and "sees_all" not in names
    assert names["sees_everything"] is sees_everything
