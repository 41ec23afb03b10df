"""A schema-driven fuzz of the API: every path of the OpenAPI schema, hostile query
strings and bodies, as the CX leader — never a server error (DESIGN §10 safety)."""

import json
import re

import pytest
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

HOSTILE_TEXT = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        [
            "",
            "0",
            "-1",
            "1e309",
            "NaN",
            "null",
            "2025-13",
            "2025-Q5",
            "dept:",
            "channel:NOPE",
            "org",
            "' OR 1=1 --",
            "<script>",
            "../../etc/passwd",
            "\x00",
            "9" * 40,
            "2025-02-30",
        ]
    ),
)
JSON_VALUES = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(10**20), max_value=10**20),
        st.floats(allow_nan=False, allow_infinity=False),
        HOSTILE_TEXT,
    ),
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(
            st.sampled_from(
                [
                    "code",
                    "name",
                    "metric",
                    "child",
                    "parent",
                    "weight",
                    "impact",
                    "value",
                    "valid_from",
                    "valid_to",
                    "version",
                    "title",
                    "owner_department",
                    "status",
                    "period_start",
                    "source",
                    "sample_size",
                    "department",
                    "channel",
                ]
            ),
            children,
            max_size=6,
        ),
    ),
    max_leaves=12,
)


def _paths():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    out = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            params = [p["name"] for p in operation.get("parameters", []) if p["in"] == "query"]
            out.append((path, method, params))
    return out


def _concrete(path: str, world) -> str:
    values = {"code": "AHT", "id": str(world["plan"]), "pk": str(world["plan"])}
    return re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), "1"), path)


@pytest.fixture
def fuzz_world(p, hierarchy):
    from apps.actions import services as plan_services

    plan = plan_services.plan_create(by=p.alice, title="Fuzz", owner_department=p.service)
    return {"plan": plan.pk}


@pytest.mark.django_db
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_no_api_path_answers_with_a_server_error(api, p, fuzz_world, data):
    client = api(p.alice_token)
    for path, method, params in _paths():
        url = _concrete(path, fuzz_world)
        query = {name: data.draw(HOSTILE_TEXT) for name in params}
        if method == "get":
            response = client.get(url, query)
        else:
            body = data.draw(JSON_VALUES)
            response = getattr(client, method)(url, data=json.dumps(body), content_type="application/json")
        assert response.status_code < 500, (method, url, query, response.content[:300])
