"""Several hosts, simulated on this machine: two portal servers (gunicorn, each on a port and an
instance folder of its own — another host's disk) over one database, one Redis queue and the
shared file store (``PORTAL_FILE_STORE=database``). A clerk's session, a material uploaded
through one host, and a batch asked on one host and run by a worker process, all seen through
the other."""

from __future__ import annotations

import io
import re
import time
import uuid
import zipfile

import pytest
import requests
from sqlalchemy import select

from portal.models import Case, Item, Offering, SubCenter, db
from tests.support.processes import Host, Worker, redis_url
from tests.support.world import PASSWORD
from tests.test_documents import completed_case
from tests.test_intake import GOOD
from tests.test_queue import _today

PDF = b"%PDF-1.4\n% a scanned household register\n%%EOF\n"


@pytest.fixture
def hosts(staffed, tmp_path):
    staffed.config.update(PORTAL_QUEUE_URL=redis_url(), PORTAL_QUEUE_NAME=f"hosts-{uuid.uuid4().hex[:12]}",
                          PORTAL_FILE_STORE="database")
    started = []
    try:
        for _ in range(2):
            started.append(Host(staffed, tmp_path))
        yield started
    finally:
        for host in started:
            host.stop()


def _sign_in(base: str, username: str) -> requests.Session:
    browser = requests.Session()
    page = browser.get(base + "/login/").text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    answer = browser.post(base + "/login/", allow_redirects=False,
                          data={"csrf_token": token, "username": username, "password": PASSWORD})
    assert answer.status_code == 302, answer.text[:500]
    return browser


def _form(browser: requests.Session, url: str) -> dict[str, str]:
    page = browser.get(url).text
    fields = {"csrf_token": re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)}
    for hidden in ("window", "_row_version"):
        found = re.search(rf'name="{hidden}" value="(\d+)"', page)
        if found:
            fields[hidden] = found.group(1)
    return fields


def test_a_material_uploaded_through_one_host_opens_through_the_other(staffed, hosts) -> None:
    one, other = hosts
    with staffed.app_context():
        offering = db.session.scalars(select(Offering.id).join(SubCenter).join(Item).where(
            SubCenter.code == "mz", Item.code == "mz-dibao")).one()
    clerk = _sign_in(one.url, "mz-clerk")
    url = f"{one.url}/intake/{offering}/new"
    answer = clerk.post(url, data={**GOOD, **_form(clerk, url), "action": "submit"},
                        files={"scan_hukou": ("户口簿.pdf", PDF, "application/pdf")}, allow_redirects=False)
    assert answer.status_code == 302, answer.text[:2000]
    with staffed.app_context():
        case = db.session.scalars(select(Case).where(Case.applicant_name == GOOD["applicant_name"])
                                  .order_by(Case.id.desc())).first()
        sha = case.data["scan_hukou"][0]["sha256"]
        db.session.remove()
    # the same session cookie (the session lives in the database, signed with the shared key)
    opened = clerk.get(f"{other.url}/materials/{case.id}/{sha}")
    assert opened.status_code == 200 and opened.content == PDF
    # nothing went to either host's disk
    assert not any(p.is_file() for host in hosts for p in host.instance.rglob("*") if "uploads" in p.parts)


def test_a_batch_asked_on_one_host_is_run_by_a_worker_and_followed_on_the_other(staffed, hosts, tmp_path):
    one, other = hosts
    for _ in range(3):
        completed_case(staffed)
    clerk = _sign_in(one.url, "mz-clerk")
    started = clerk.post(f"{one.url}/documents/batch", allow_redirects=False, data={
        **_form(clerk, f"{one.url}/documents/batch"), "kind": "certificate", "day": _today(staffed)})
    assert started.status_code == 302
    job_path = started.headers["Location"].removeprefix(one.url)
    assert clerk.get(f"{other.url}{job_path}?format=json").json()["state"] == "queued"
    worker = Worker(staffed, tmp_path)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            status = clerk.get(f"{other.url}{job_path}?format=json").json()
            if status["state"] in ("done", "failed"):
                break
            time.sleep(0.1)
    finally:
        worker.stop()
    assert status == {"done": 3, "total": 3, "state": "done", "error": None, "attempts": 1}, worker.output()
    archive = clerk.get(f"{other.url}{job_path}/documents.zip")
    assert sorted(zipfile.ZipFile(io.BytesIO(archive.content)).namelist()) == [
        f"MZ-ZS-2026-{n:05d}.pdf" for n in (1, 2, 3)]
