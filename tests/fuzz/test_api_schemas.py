"""Schemathesis over the store's and the sandbox's `/openapi.json`, against real servers:
positive and negative cases for every operation the schema lists (whatever it lists, new ones
included), with valid ids, tokens and signatures mixed in by a hook. No answer may be a 5xx,
and every answer must be one the schema documents, in the shape and content type it documents.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import httpx
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import Case, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from shopkeep import signature
from tests.conftest import WEBHOOK_SECRET
from tests.fuzz.conftest import EXAMPLES, World

pytestmark = [pytest.mark.fuzz, pytest.mark.slow]

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
MAX_REPORT = 30_000
SENT: dict[str, int] = {}  # requests by server, for the report


def known_values(world: World) -> Any:
    """A `flatmap_case` hook: each generated case may get, drawn by Hypothesis, the valid
    values of the shop (ids in the path, the query and the body by their names; a bearer token
    for operations that ask for one; a valid signature where a signature header is declared)."""

    @st.composite
    def mixed(draw: st.DrawFn, case: Case) -> Case:
        for container in (case.path_parameters, case.query):
            for name in list(container or {}):
                if name in world.ids and draw(st.booleans()):
                    container[name] = draw(st.sampled_from(world.ids[name]))
        if isinstance(case.body, dict):
            for name in list(case.body):
                if name in world.ids and draw(st.booleans()):
                    case.body[name] = draw(st.sampled_from(world.ids[name]))
        raw = case.operation.definition.raw
        schemes = {name for requirement in raw.get("security", []) for name in requirement}
        if schemes and draw(st.booleans()):
            if "CartToken" in schemes:
                cart_id = draw(st.sampled_from(sorted(world.cart_tokens)))
                if case.path_parameters and "shopping_cart_id" in case.path_parameters:
                    case.path_parameters["shopping_cart_id"] = cart_id
                case.headers["Authorization"] = f"Bearer {world.cart_tokens[cart_id]}"
            else:
                case.headers["Authorization"] = f"Bearer {world.seller_token}"
        declared = {p.get("name") for p in raw.get("parameters", []) if p.get("in") == "header"}
        if signature.HEADER in declared and draw(st.booleans()):
            # Signed as sent: the body goes out as exactly these bytes.
            body = json.dumps(case.body).encode() if not isinstance(case.body, bytes) else case.body
            case.body = body
            case.headers[signature.HEADER] = signature.sign(WEBHOOK_SECRET, body)
        return case

    def flatmap_case(_context: Any, case: Case) -> Any:
        return mixed(case)

    return flatmap_case


def load(world: World, base_url: str) -> schemathesis.BaseSchema:
    schema = schemathesis.openapi.from_url(f"{base_url}/openapi.json")
    schema.hook(known_values(world))
    return schema


def fuzz(world: World, base_url: str) -> list[str]:
    """Every operation of the schema at `base_url`, in both generation modes; the failures."""
    schema = load(world, base_url)
    session = requests.Session()
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert operations, "the schema lists no operation"
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                database=None,
                suppress_health_check=list(HealthCheck),
                phases=[Phase.explicit, Phase.generate, Phase.shrink],
            )
            @given(case=operation.as_strategy(generation_mode=mode))
            def send(case: Case) -> None:
                SENT[base_url] = SENT.get(base_url, 0) + 1
                case.call_and_validate(base_url=base_url, session=session, checks=CHECKS)

            try:
                send()
            except Unsatisfiable:
                pass  # nothing to make invalid (an operation without parameters or body)
            except Exception as error:
                failures.append(f"{operation.label} [{mode.value}]: {error}")
    return failures


@pytest.mark.parametrize("app", ["store", "payments"])
def test_no_request_gets_a_5xx_or_an_answer_the_schema_does_not_document(
    world: World, app: str
) -> None:
    base_url = world.shop.store_url if app == "store" else world.shop.payments_url
    failures = fuzz(world, base_url)
    print(f"{app}: {SENT[base_url]} requests")
    assert not failures, "\n\n".join(failures)[:MAX_REPORT]


def test_the_checks_catch_an_undocumented_answer(world: World) -> None:
    """The fuzzer's checks can fail: an answer the schema does not list is reported."""
    schema = load(world, world.shop.store_url)
    operation = schema["/categories/{category_id}"]["GET"]
    case = operation.Case(path_parameters={"category_id": 1})
    url = f"{world.shop.store_url}/categories/1"
    for status, body in ((418, {"detail": "I'm a teapot"}), (200, {"id": "one"})):
        answer = httpx.Response(status, json=body, request=httpx.Request("GET", url))
        answer.elapsed = timedelta(0)
        with pytest.raises(BaseExceptionGroup) as refused:
            case.validate_response(answer, checks=CHECKS)
        assert refused.value.exceptions
