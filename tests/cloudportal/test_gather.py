"""``Controllers.gather``: a page's reads from every controller at once. Each controller's part
is built as soon as that controller has answered, answers the portal already holds never reach
a worker (or the backend), and a refusal or an ended session behaves as the pages expect."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from cloudportal.clients.controller import Cached, Controllers
from cloudportal.errors import BackendError, BackendUnavailable, SessionEnded


class Client:
    """What gather uses of a ControllerClient: its id and name."""

    def __init__(self, cc_id: int, name: str):
        self.id, self.name = cc_id, name


@pytest.fixture
def pool():
    with ThreadPoolExecutor(4) as executor:
        yield executor


WEST, EAST = Client(1, "Penguin West"), Client(2, "Penguin East")


def test_a_controllers_part_is_built_while_another_controller_is_still_awaited(pool):
    west_built = threading.Event()
    east_saw = {}

    def instances(client):
        if client is EAST:  # answers only once West's part has been built (or 5 s passed)
            east_saw["west built first"] = west_built.wait(5)
        return [client.name]

    def then(outcome):
        outcome.built_on = threading.get_ident()
        if outcome.controller is WEST:
            west_built.set()

    outcomes = Controllers([WEST, EAST], pool).gather({"instances": instances}, then=then)
    assert east_saw == {"west built first": True}
    assert [o.value for o in outcomes] == [
        {"instances": ["Penguin West"]},
        {"instances": ["Penguin East"]},
    ]
    # West's call ran on the page's own thread, East's in the pool; each part was built
    # where its last answer arrived.
    assert outcomes[0].built_on == threading.get_ident() != outcomes[1].built_on


def test_an_answer_already_held_is_taken_on_the_pages_thread_without_a_call(pool):
    threads = {}

    def fetch(client):
        raise AssertionError("a held answer was fetched")

    def peek(client):
        threads[client.id] = threading.get_ident()
        return ["m1.small"]

    built = []
    outcomes = Controllers([WEST, EAST], pool).gather(
        {"flavors": Cached(fetch, peek)}, then=lambda o: built.append(o.controller.id)
    )
    assert [o.value for o in outcomes] == [{"flavors": ["m1.small"]}] * 2
    assert set(threads.values()) == {threading.get_ident()}
    assert sorted(built) == [1, 2]


def test_an_answer_not_held_is_fetched(pool):
    calls = []

    def fetch(client):
        calls.append(client.id)
        return ["m1.small"]

    outcomes = Controllers([WEST], pool).gather({"flavors": Cached(fetch, lambda c: None)})
    assert calls == [1] and outcomes[0].value == {"flavors": ["m1.small"]}


def test_a_refusal_or_an_unreachable_controller_is_that_controllers_banner_only(pool):
    def instances(client):
        if client is WEST:
            raise BackendError("Penguin West", 409, "over your VM cap")
        raise BackendUnavailable("Penguin East", "it did not answer in time")

    def flavors(client):
        return ["m1.small"]

    built = {}
    outcomes = Controllers([WEST, EAST, Client(3, "Penguin North")], pool).gather(
        {"flavors": flavors, "instances": lambda c: [] if c.id == 3 else instances(c)},
        then=lambda o: built.update({o.controller.id: o.ok}),
    )
    assert [o.error for o in outcomes] == [
        "Penguin West refused: over your VM cap",
        "Penguin East is unreachable: it did not answer in time.",
        None,
    ]
    assert outcomes[0].value is None and outcomes[2].value == {
        "flavors": ["m1.small"],
        "instances": [],
    }
    assert built == {1: False, 2: False, 3: True}  # every part is built, failed or not


def test_an_ended_session_is_raised_once_every_other_call_has_returned(pool):
    finished = threading.Event()

    def instances(client):
        if client is WEST:  # the page's own thread: refused at once
            raise SessionEnded("Penguin West", 401, "token expired")
        threading.Event().wait(0.2)
        finished.set()
        return []

    with pytest.raises(SessionEnded):
        Controllers([WEST, EAST], pool).gather({"instances": instances})
    assert finished.is_set()
