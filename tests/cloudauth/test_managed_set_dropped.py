"""Cloud Auth drops an owner's cached managed-user set (``managed:<owner>``, common.ownership)
when that set changes: a user created with an owner, a user moved to another owner. The
controllers and the accountant then ask again at once instead of serving the old set for a
minute (the over-HTTP check: tests/cloudportal/test_managed_freshness.py)."""

from __future__ import annotations

from common.ownership import managed_key

OLD = ["someone-else"]


def cached(cache, *owners) -> None:
    for owner in owners:
        cache.set(managed_key(owner.id), OLD, 60)


def test_creating_a_managed_user_drops_the_owners_set(testapp, users, cache):
    owner, bystander = users.make(roles=["account_owner"]), users.make(roles=["account_owner"])
    cached(cache, owner, bystander)
    testapp.post(
        "/user/create",
        {"email": "new@example.com", "password": "long enough"},
        headers=users.token(owner),
        status=201,
    )
    assert cache.get(managed_key(owner.id)) is None
    assert cache.get(managed_key(bystander.id)) == OLD  # only the owner's set changed


def test_the_superuser_creating_a_user_for_an_owner_drops_that_owners_set(testapp, users, cache):
    owner = users.make(roles=["account_owner"])
    cached(cache, owner)
    testapp.post(
        "/user/create",
        {"email": "theirs@example.com", "password": "long enough", "owner_userid": owner.id},
        headers=users.token(users.admin()),
        status=201,
    )
    assert cache.get(managed_key(owner.id)) is None


def test_a_user_without_an_owner_drops_nothing(testapp, users, cache):
    owner = users.make(roles=["account_owner"])
    cached(cache, owner)
    testapp.post(
        "/user/create",
        {"email": "free@example.com", "password": "long enough"},
        headers=users.token(users.admin()),
        status=201,
    )
    assert cache.get(managed_key(owner.id)) == OLD


def test_moving_a_user_drops_both_owners_sets(testapp, users, cache):
    owner, other = users.make(roles=["account_owner"]), users.make(roles=["account_owner"])
    managed = users.make(owner=owner)
    cached(cache, owner, other)
    testapp.post(
        f"/user/update/{managed.id}",
        {"owner_userid": other.id},
        headers=users.token(users.admin()),
        status=200,
    )
    assert cache.get(managed_key(owner.id)) is None
    assert cache.get(managed_key(other.id)) is None


def test_a_change_that_keeps_the_owner_drops_nothing(testapp, users, cache):
    owner = users.make(roles=["account_owner"])
    managed = users.make(owner=owner)
    cached(cache, owner)
    testapp.post(
        f"/user/update/{managed.id}", {"name": "Renamed"}, headers=users.token(owner), status=200
    )
    assert cache.get(managed_key(owner.id)) == OLD
