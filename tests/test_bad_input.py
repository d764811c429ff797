"""Input no clerk types but an attacker or a broken client sends: a clear 4xx, never a 500, and
nothing stored.

NUL bytes (PostgreSQL refuses them in text), unknown sort columns, JSON of the wrong shape, a
signed token of the wrong shape, bodies too large, the same case accepted twenty times at once.
"""

from __future__ import annotations

import json
import re
import threading

import pytest
from itsdangerous import URLSafeSerializer
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from portal.access.scope import unscoped
from portal.cli.demo import ensure_demo_users
from portal.documents.issuing import SALT
from portal.models import Case, CaseEvent, db
from tests.support.world import PASSWORD, csrf_token, signed_in
from tests.test_intake import GOOD, post
from tests.test_process import submitted_case


@pytest.fixture
def portal(published):
    with published.app_context():
        ensure_demo_users(password=PASSWORD)
    return published


def _cases() -> int:
    return db.session.scalar(select(func.count(Case.id)))


def _mine(app) -> int:
    from portal.models import Item, Offering, SubCenter

    with app.app_context():
        return db.session.scalars(select(Offering.id).join(SubCenter).join(Item).where(
            SubCenter.code == "mz", Item.code == "mz-dibao")).one()


def _big(client, url: str, data: dict, files=None):
    """``post`` for bodies over 500 KB, encoded in memory (the test client spools a multipart body
    that large to a temporary file it never closes)."""
    page = client.get(url).get_data(as_text=True)
    fields = {**data, "csrf_token": csrf_token(page), "action": "submit"}
    for hidden in ("window", "_row_version"):
        found = re.search(rf'name="{hidden}" value="(\d+)"', page)
        if found:
            fields[hidden] = found.group(1)
    boundary, body = encode_multipart(MultiDict({**fields, **(files or {})}))
    return client.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def _said(response) -> str:
    if response.is_json:
        return response.get_json()["message"]
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def test_a_nul_byte_in_a_form_is_refused_and_nothing_is_stored(portal) -> None:
    client = signed_in(portal, "mz-clerk")
    with portal.app_context():
        before = _cases()
    response = post(client, f"/intake/{_mine(portal)}/new", {**GOOD, "applicant_name": "王\x00秀英"})
    assert response.status_code == 400
    assert "不可见的控制字符" in _said(response)
    with portal.app_context():
        assert _cases() == before


@pytest.mark.parametrize("url", [
    "/cases/list/?_flt_0_applicant_name=%E7%8E%8B%00",
    "/api/v1/cases/?q=(filters:!((col:applicant_name,opr:ct,value:'%00')))",
    "/cases/export.csv?_flt_0_applicant_name=%00",
    "/verify/abc%00def",
])
def test_a_nul_byte_in_the_address_is_refused(portal, url) -> None:
    response = signed_in(portal, "mz-clerk").get(url)
    assert response.status_code == 400, url
    assert "不可见的控制字符" in _said(response)


def test_a_nul_byte_in_an_uploaded_files_name_or_a_json_body_is_refused(portal) -> None:
    import io

    client = signed_in(portal, "mz-clerk")
    response = post(client, f"/intake/{_mine(portal)}/new", GOOD,
                    files={"scan_hukou": [(io.BytesIO(b"%PDF-1.4 x"), "hu\x00kou.pdf")]})
    assert response.status_code == 400
    with portal.app_context():
        pk = db.session.scalars(select(Case.id)).first() or submitted_case("mz-dibao")
    token = csrf_token(client.get("/resetmypassword/form").get_data(as_text=True))
    put = client.put(f"/api/v1/cases/{pk}", data=json.dumps({"applicant_name": "a\u0000b"}),
                     content_type="application/json", headers={"X-CSRFToken": token})
    assert put.status_code == 400


def test_an_unknown_sort_column_is_a_400(portal) -> None:
    client = signed_in(portal, "mz-clerk")
    response = client.get("/cases/list/?_oc_CaseScreen=nope&_od_CaseScreen=asc")
    assert response.status_code == 400
    assert "nope" in _said(response)
    assert client.get("/api/v1/cases/?q=(order_column:nope,order_direction:asc)").status_code == 400


@pytest.mark.parametrize("body", [
    "[1, 2, 3]", '"text"', "12", "null",
    json.dumps({"applicant_name": {"a": {"b": {"c": [[[[["deep"]]]]]}}}}),
    "[" * 5000 + "]" * 5000,
    "{not json",
])
def test_a_rest_body_of_the_wrong_shape_is_a_400(portal, body) -> None:
    client = signed_in(portal, "mz-clerk")
    with portal.app_context(), unscoped():
        pk = submitted_case("mz-dibao")
        name = db.session.get(Case, pk).applicant_name
    got = client.get(f"/api/v1/cases/{pk}")
    token = csrf_token(client.get("/resetmypassword/form").get_data(as_text=True))
    response = client.put(f"/api/v1/cases/{pk}", data=body, content_type="application/json",
                          headers={"X-CSRFToken": token, "If-Match": got.headers.get("ETag", "")})
    assert response.status_code == 400, (response.status, response.get_data(as_text=True)[:300])
    with portal.app_context(), unscoped():
        assert db.session.get(Case, pk).applicant_name == name


@pytest.mark.parametrize("payload", [{"n": ["DOC-1"]}, {"n": {"x": 1}}, {"n": 7}, ["n"], "n"])
def test_a_signed_check_token_of_the_wrong_shape_is_not_genuine(portal, payload) -> None:
    token = URLSafeSerializer(portal.config["SECRET_KEY"], salt=SALT).dumps(payload)
    response = portal.test_client().get(f"/verify/{token}")
    assert response.status_code == 404
    assert 'data-verdict="forged"' in _said(response) and "并非本中心签发" in _said(response)


def test_a_body_over_the_limit_is_refused_before_it_is_read(portal) -> None:
    import io

    client = signed_in(portal, "mz-clerk")
    limit = portal.config["MAX_CONTENT_LENGTH"]
    assert limit and limit <= 64 * 1024 * 1024
    big = FileStorage(io.BytesIO(b"%PDF-1.4\n" + b"0" * limit), "a.pdf", content_type="application/pdf")
    response = _big(client, f"/intake/{_mine(portal)}/new", GOOD, files={"scan_hukou": big})
    assert response.status_code == 413
    assert "过大" in _said(response)
    field = _big(client, f"/intake/{_mine(portal)}/new",
                 {**GOOD, "reason": "长" * portal.config["MAX_FORM_MEMORY_SIZE"]})
    assert field.status_code == 413
    with portal.app_context():
        assert _cases() == 0


@pytest.mark.parametrize("name", ["reason", "applicant_name", "mobile", "members-0-income"])
def test_a_long_text_is_cut_at_its_fields_limit_and_not_echoed_whole(portal, name) -> None:
    client = signed_in(portal, "mz-clerk")
    huge = "长" * 100_000  # 300 KB: under the body's and a field's limits, far over any field's own
    response = _big(client, f"/intake/{_mine(portal)}/new", {**GOOD, name: huge})
    assert response.status_code == 422  # refused, what was typed shown again
    page = _said(response)
    assert "之后的内容已截去" in page
    assert len(response.data) < 100_000  # the page does not carry the 300 KB back
    assert "长" * 11 in page  # what fits is kept, for the clerk to check
    with portal.app_context():
        assert _cases() == 0


@pytest.mark.parametrize("encoding", ["multipart", "urlencoded"])
def test_a_table_of_ten_thousand_rows_is_refused_before_the_form_is_checked(portal, encoding) -> None:
    client = signed_in(portal, "mz-clerk")
    url = f"/intake/{_mine(portal)}/new"
    rows = {f"members-{i}-name": "张" for i in range(10_000)}
    if encoding == "multipart":
        response = _big(client, url, {**GOOD, **rows})
    else:
        token = csrf_token(client.get(url).get_data(as_text=True))
        response = client.post(url, data={**GOOD, **rows, "csrf_token": token, "action": "submit"},
                               content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413
    with portal.app_context():
        assert _cases() == 0


def test_twenty_clerks_accepting_one_case_at_once_one_wins_the_rest_hear_409(portal) -> None:
    with portal.app_context(), unscoped():
        pk = submitted_case("mz-dibao")
    clients = [signed_in(portal, "mz-clerk") for _ in range(20)]
    tokens = [csrf_token(c.get(f"/cases/show/{pk}").get_data(as_text=True)) for c in clients]
    start, answers = threading.Barrier(20), []

    def accept(client, token) -> None:
        start.wait()
        answers.append(client.post(f"/casework/{pk}/accept", data={"csrf_token": token}))

    threads = [threading.Thread(target=accept, args=pair) for pair in zip(clients, tokens, strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    codes = sorted(r.status_code for r in answers)
    assert 500 not in codes, codes
    assert set(codes) <= {302, 409}, codes
    with portal.app_context(), unscoped():
        accepts = db.session.scalars(select(CaseEvent).where(
            CaseEvent.case_id == pk, CaseEvent.kind == "accept")).all()
        assert len(accepts) == 1
    refused = [r for r in answers if r.status_code == 409]
    assert all("已被他人处理" in _said(r) for r in refused)
