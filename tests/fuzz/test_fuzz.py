"""Schema-driven fuzzing of the three APIs from their own OpenAPI descriptions (schemathesis).

For every described operation, a fixed number of generated requests, valid ones and ones that
break the description, each sent as a drawn role (superuser, account owner, managed user, plain
user, no token); then, per service, short stateful runs that follow the descriptions' links
(create, then read, change and delete what was created). Every answer must be no 5xx, have a
documented status, content type and headers, and match its body schema.

A failure does not stop the run: each distinct one (operation, check, status) is kept, printed
at the end with a curl line that reproduces it, and fails its test. Bounded: examples per
operation (``SCM_FUZZ_EXAMPLES``, default 12 of each kind), a timeout per request, and a time
limit per test.
"""

from __future__ import annotations

import os
import threading

import hypothesis
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.generation.stateful.state_machine import StepOutput
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from common.openapi import load_description
from tests.fuzz.conftest import ROLES, TALLY

pytestmark = [pytest.mark.fuzz, pytest.mark.timeout(600)]

SERVICES = ("cloudauth", "cloudcontroller", "cloudaccountant")
EXAMPLES = int(os.environ.get("SCM_FUZZ_EXAMPLES", "12"))
STATEFUL_RUNS = int(os.environ.get("SCM_FUZZ_STATEFUL_RUNS", "8"))
REQUEST_TIMEOUT = 10.0  # seconds: a slower answer is a failure (the tier's deadline)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    ignored_auth,
]
SETTINGS = hypothesis.settings(
    max_examples=EXAMPLES,
    deadline=None,  # the request timeout bounds each example
    phases=[Phase.explicit, Phase.generate],  # no shrinking: the failure is kept as found
    database=None,
    derandomize=True,  # the same requests on every run, so a red run can be repeated
    suppress_health_check=list(HealthCheck),
)

_schemas: dict[str, schemathesis.BaseSchema] = {}
_lock = threading.Lock()


def schema_of(service: str):
    with _lock:
        if service not in _schemas:
            _schemas[service] = schemathesis.openapi.from_dict(load_description(service))
        return _schemas[service]


def operation_labels(service: str) -> list[tuple[str, str]]:
    methods = ("get", "put", "post", "delete")
    return [
        (method.upper(), path)
        for path, item in load_description(service)["paths"].items()
        for method in item
        if method in methods
    ]


CASES = [
    pytest.param(service, method, path, id=f"{service} {method} {path}")
    for service in SERVICES
    for method, path in operation_labels(service)
]


def send_and_check(case, system, service: str, role: str, session) -> None:
    """One request as ``role``; its failures are kept in the tally, not raised."""
    label = f"{service} {case.operation.label}"
    TALLY.operations.add(label)
    headers = system.headers[role]
    try:
        response = case.call(
            base_url=system.urls[service], session=session, headers=headers, timeout=REQUEST_TIMEOUT
        )
    except requests.Timeout:
        TALLY.fail(f"{label}: no answer in {REQUEST_TIMEOUT:.0f}s", case.as_curl_command(headers))
        return
    try:
        case.validate_response(response, checks=CHECKS, headers=headers)
    except FailureGroup as group:
        for failure in group.exceptions:
            key = f"{label}: {failure.title} (HTTP {response.status_code})"
            TALLY.fail(key, f"as {role}: {failure.message}\n  {case.as_curl_command(headers)}")


@pytest.mark.parametrize(("service", "method", "path"), CASES)
def test_operation_answers_as_described(system, service, method, path):
    operation = schema_of(service)[path][method]
    strategy = st.one_of(
        operation.as_strategy(GenerationMode.POSITIVE),
        operation.as_strategy(GenerationMode.NEGATIVE),
    )
    before = dict(TALLY.failures)
    session = requests.Session()

    # Twice the examples: the draws mix valid and invalid requests.
    @hypothesis.settings(SETTINGS, max_examples=2 * EXAMPLES)
    @hypothesis.given(case=strategy, role=st.sampled_from(ROLES))
    def run(case, role):
        send_and_check(case, system, service, role, session)

    run()
    found = {k: v for k, v in TALLY.failures.items() if k not in before}
    assert not found, "\n".join(f"{k}\n{v}" for k, v in found.items())


@pytest.mark.parametrize("service", ["cloudauth", "cloudcontroller"])
@pytest.mark.parametrize("role", ["superuser", "owner", "plain"])
def test_linked_operations_answer_as_described(system, service, role):
    """Stateful: follow the links of the description (create, then use what was created)."""
    before = dict(TALLY.failures)
    session = requests.Session()

    class Machine(schema_of(service).as_state_machine()):
        def get_call_kwargs(self, case):
            return {
                "base_url": system.urls[service],
                "session": session,
                "headers": system.headers[role],
                "timeout": REQUEST_TIMEOUT,
            }

        def step(self, input):
            # As the base class, with failures kept in the tally instead of raised.
            case = input.case
            self.before_call(case)
            kwargs = self.get_call_kwargs(case)
            TALLY.operations.add(f"{service} {case.operation.label}")
            response = self.call(case, **kwargs)
            self.after_call(response, case)
            try:
                case.validate_response(response, checks=CHECKS, headers=kwargs["headers"])
            except FailureGroup as group:
                for failure in group.exceptions:
                    key = (
                        f"{service} {case.operation.label}: {failure.title}"
                        f" (HTTP {response.status_code})"
                    )
                    curl = case.as_curl_command(kwargs["headers"])
                    TALLY.fail(key, f"as {role}, stateful: {failure.message}\n  {curl}")
            return StepOutput(response, case)

    Machine.run(
        settings=hypothesis.settings(
            SETTINGS, max_examples=STATEFUL_RUNS, stateful_step_count=8, phases=[Phase.generate]
        )
    )
    found = {k: v for k, v in TALLY.failures.items() if k not in before}
    assert not found, "\n".join(f"{k}\n{v}" for k, v in found.items())
