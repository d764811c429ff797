"""The REST API under schemathesis: every operation of /api/v1/_openapi, called with generated
data as a clerk and as an auditor, answers without a server error and as its document says."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.config import SchemathesisConfig

from portal.cli.demo import ensure_demo_users
from tests.support.world import PASSWORD, add_cases, signed_in

EXAMPLES = 6  # per operation and user
# A request the document allows may still be refused, and must be refused the documented way:
# the rison filters of `q` name columns the schema cannot list (400), an id is a number (405 on
# the PUT/DELETE route), a record may be seen but not changed (403) or not be in the scope (404),
# a write needs If-Match (428) and a value must pass its checks (422).
ACCEPTED = ["2xx", "400", "401", "403", "404", "405", "409", "422", "428"]
CONFIG = SchemathesisConfig.from_dict({"checks": {"positive_data_acceptance": {
    "expected-statuses": ACCEPTED}}})


@pytest.fixture
def portal(published):
    with published.app_context():
        ensure_demo_users(password=PASSWORD)
        add_cases(per_window=1)
    return published


@pytest.mark.fuzz
@pytest.mark.parametrize("username", ["mz-clerk", "mz-auditor"])
def test_every_api_operation_answers_as_documented(portal, username: str, record_property) -> None:
    client = signed_in(portal, username)
    # the werkzeug test client drops a Cookie header it is given: cookies go as cookies
    cookies = {"session": client.get_cookie("session").value}
    # writes go through: the session's CSRF token, and If-Match "*" (any version: the generated
    # bodies then reach the checks of the record, not only the version precondition)
    headers = {"X-CSRFToken": client.token, "If-Match": "*"}
    schema = schemathesis.openapi.from_dict(client.get("/api/v1/_openapi").get_json(), config=CONFIG)
    schema.app = portal
    calls, failures = 0, []
    for result in schema.get_all_operations():
        operation = result.ok()

        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def call(case) -> None:
            nonlocal calls
            calls += 1
            try:
                case.call_and_validate(headers=headers, cookies=cookies)
            except (Exception, BaseExceptionGroup) as exc:  # collected: every operation that failed is listed
                for found in getattr(exc, "exceptions", [exc]):
                    first = " | ".join(str(found).splitlines()[:8])[:700]
                    failures.append(f"{case.method} {case.path}: {type(found).__name__}: {first}")

        call()
    record_property("calls", calls)
    assert calls > 250
    assert sorted(set(failures)) == [], "\n".join(sorted(set(failures)))


def test_a_rest_row_names_its_related_records_instead_of_embedding_them(portal) -> None:
    client = signed_in(portal, "mz-clerk")
    rows = client.get("/api/v1/cases/?q=(page_size:25)").get_json()["result"]
    assert rows
    for row in rows:
        assert set(row["item"]) == {"id", "name"} and set(row["window"]) == {"id", "name"}
        assert set(row["sub_center"]) == {"id", "unified_name"}
    one = client.get(f"/api/v1/cases/{rows[0]['id']}").get_json()["result"]
    assert set(one["item"]) == {"id", "name"}  # not the item's whole declaration


def test_a_record_of_a_case_names_the_case_by_id_and_number(portal) -> None:
    """An evaluation's (or a branch's) row names its case — not the case whole, with the
    applicant's data — as the OpenAPI document says."""
    from sqlalchemy import select

    from portal.models import Case, Evaluation, db

    with portal.app_context():
        case = db.session.scalars(select(Case).where(Case.number.like("MZ01-%"))).first()
        db.session.add(Evaluation(case_id=case.id, sub_center_id=case.sub_center_id, window_id=case.window_id,
                                  level="满意", channel="窗口评价器", recorded_by="test"))
        db.session.commit()
        expected = {"id": case.id, "number": case.number}
    client = signed_in(portal, "mz-auditor")
    rows = client.get("/api/v1/evaluations/").get_json()["result"]
    assert [row["case"] for row in rows] == [expected]
    one = client.get(f"/api/v1/evaluations/{client.get('/api/v1/evaluations/').get_json()['ids'][0]}")
    assert one.get_json()["result"]["case"] == expected
    document = client.get("/api/v1/_openapi").get_json()
    listed = document["components"]["schemas"]["EvaluationsApi.get_list"]["properties"]["case"]
    assert "CaseRef" in str(listed)
