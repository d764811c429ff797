"""好差评 by the applicant: a decided case's signed link (the 办结通知书's second QR, the progress
answer's button) rates that case once; it counts in the assessment like any evaluation; a bad
rating opens a 回访整改 task the sub-center's manager works and supervision watches."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import func, select

from portal.access.scope import unscoped
from portal.cases import ratings
from portal.cases.lifecycle import calendar_of
from portal.cli.demo import ensure_demo_users
from portal.core import servertime
from portal.models import Case, Evaluation, FollowUp, db
from portal.web.current import current_site
from tests.support.world import PASSWORD, csrf_token, signed_in
from tests.test_documents import completed_case, new_case

ZH = {"Accept-Language": "zh"}


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


@pytest.fixture
def done(published):
    """A 低保 case completed at 民政, its applicant's rating link, and a visitor's client."""
    with published.app_context():
        ensure_demo_users(password=PASSWORD)
    case_id = completed_case(published)
    link = "/hall/rate/" + ratings.token(published.config["SECRET_KEY"], case_id)
    return published, case_id, link, published.test_client()


def _rate(client, link: str, level: str, text: str = ""):
    token = csrf_token(client.get(link).get_data(as_text=True))
    return client.post(link, headers=ZH, data={"csrf_token": token, "level": level, "text": text,
                                               "via": "qr" if "via=qr" in link else ""})


def test_the_link_rates_its_case_once_and_the_rating_counts_like_any_evaluation(done) -> None:
    app, case_id, link, visitor = done
    page = visitor.get(link, headers=ZH)
    assert page.status_code == 200 and "您对本次服务是否满意" in _text(page)
    assert all(level in _text(page) for level in ("非常满意", "满意", "基本满意", "不满意", "非常不满意"))
    assert "王*英" in _text(page) and "王秀英" not in _text(page)
    answered = _rate(visitor, link + "?via=qr", "满意", "窗口服务热情")
    assert answered.status_code == 200 and "本件已评价：满意" in _text(answered)
    # once: a second rating (another tab, another phone) is not taken
    again = visitor.get(link, headers=ZH)
    assert 'data-testid="rate-form"' not in again.get_data(as_text=True) and "本件已评价" in _text(again)
    second = visitor.post(link, headers=ZH, data={"csrf_token": csrf_token(visitor.get("/hall/progress")
                                                                           .get_data(as_text=True)),
                                                  "level": "非常不满意"})
    assert "本件已评价：满意" in _text(second)
    with app.app_context(), unscoped():
        rows = db.session.scalars(select(Evaluation).where(Evaluation.case_id == case_id)).all()
        assert [(e.level, e.channel, e.by_applicant, e.recorded_by, e.text) for e in rows] == \
            [("满意", "移动端", True, "申请人", "窗口服务热情")]
        assert db.session.scalar(select(func.count()).select_from(FollowUp)) == 0  # a good one opens none
    # it is an evaluation of the window like any other: the auditor's screen lists it
    auditor = signed_in(app, "center-auditor")
    listed = _text(auditor.get("/evaluations/list/", headers=ZH))
    assert "移动端" in listed and "满意" in listed


def test_a_link_opens_only_its_own_decided_case(done) -> None:
    app, case_id, link, visitor = done
    assert visitor.get(link[:-3] + "abc").status_code == 404  # altered: not ours
    other = ratings.token("another portal's secret", case_id)
    assert visitor.get("/hall/rate/" + other).status_code == 404
    open_case = new_case(app)  # submitted, not decided: nothing to rate yet
    assert visitor.get("/hall/rate/" + ratings.token(app.config["SECRET_KEY"], open_case)).status_code == 404


def test_a_bad_rating_opens_a_follow_up_the_manager_records_and_supervision_watches(done) -> None:
    app, case_id, link, visitor = done
    answered = _rate(visitor, link, "非常不满意", "等了两个小时")
    assert "分中心将就此回访您" in _text(answered)
    with app.test_request_context(), unscoped():
        task = db.session.scalars(select(FollowUp).where(FollowUp.case_id == case_id)).one()
        evaluation = db.session.get(Evaluation, task.evaluation_id)
        assert evaluation.channel == "政务服务网" and evaluation.level == "非常不满意"
        site = current_site()
        days = site.center["evaluations"]["follow_up_days"]
        today = servertime.local_day(servertime.now(), site.zone)
        # five working days of the center's calendar (weekends and holidays skipped)
        assert days == 5 and task.due_date == calendar_of(site).add_workdays(today, 5)
        assert (task.due_date - today).days >= 5
        number = db.session.get(Case, case_id).number
        task_id = task.id
    # the manager's home lists it with its due date; the worklist shows it to supervision
    manager = signed_in(app, "mz-manager")
    home = manager.get("/", headers=ZH).get_data(as_text=True)
    row = re.search(rf'<tr data-follow-up="{number}">(.*?)</tr>', home, re.S).group(1)
    assert "非常不满意" in row and "待回访" in row
    for who in ("mz-manager", "center-auditor"):
        worklist = signed_in(app, who).get("/worklist/", headers=ZH).get_data(as_text=True)
        assert f'data-follow-up="{number}"' in worklist
    assert f'data-follow-up="{number}"' not in signed_in(app, "ws-manager").get("/", headers=ZH) \
        .get_data(as_text=True)  # another sub-center's manager: not theirs
    # the manager records the call-back, then the rectification: the server stamps who and when
    edit = f"/followups/edit/{task_id}"
    token = csrf_token(manager.get(edit).get_data(as_text=True))
    assert manager.post(edit, data={"csrf_token": token, "callback": "已电话回访，申请人反映排队时间长",
                                    "rectification": ""}).status_code == 302
    with app.app_context(), unscoped():
        task = db.session.get(FollowUp, task_id)
        assert task.called_by == "mz-manager" and task.called_at is not None and task.closed_at is None
    token = csrf_token(manager.get(edit).get_data(as_text=True))
    manager.post(edit, data={"csrf_token": token, "callback": "已电话回访，申请人反映排队时间长",
                             "rectification": "增开一个低保受理窗口，高峰期预约分流"})
    with app.app_context(), unscoped():
        task = db.session.get(FollowUp, task_id)
        assert task.closed_by == "mz-manager" and task.closed_at is not None
    assert f'data-follow-up="{number}"' not in manager.get("/", headers=ZH).get_data(as_text=True)


def test_an_overdue_follow_up_is_shown_as_such(done) -> None:
    app, case_id, link, visitor = done
    _rate(visitor, link, "不满意")
    with app.app_context(), unscoped():
        task = db.session.scalars(select(FollowUp).where(FollowUp.case_id == case_id)).one()
        task.due_date = dt.date(2026, 1, 5)
        db.session.commit()
        number = db.session.get(Case, case_id).number
    worklist = _text(signed_in(app, "center-auditor").get("/worklist/", headers=ZH))
    assert "1 件已超期" in worklist and number in worklist


def test_a_bad_rating_recorded_by_supervision_opens_its_task_too(done) -> None:
    app, case_id, link, _ = done
    with app.app_context(), unscoped():
        number = db.session.get(Case, case_id).number
    auditor = signed_in(app, "center-auditor")
    token = csrf_token(auditor.get("/evaluations/add").get_data(as_text=True))
    added = auditor.post("/evaluations/add", data={
        "csrf_token": token, "case_number": number, "level": "不满意", "channel": "电话回访",
        "text": "态度生硬"})
    assert added.status_code == 302
    with app.app_context(), unscoped():
        task = db.session.scalars(select(FollowUp).where(FollowUp.case_id == case_id)).one()
        assert db.session.get(Evaluation, task.evaluation_id).by_applicant is False
    # the applicant may still give their own rating once
    assert "本件已评价：基本满意" in _text(_rate(app.test_client(), link, "基本满意"))


def test_the_progress_answer_of_a_decided_case_links_its_rating(done) -> None:
    app, case_id, link, visitor = done
    with app.app_context(), unscoped():
        case = db.session.get(Case, case_id)
        number, secret = case.number, case.applicant_id_number[-6:]
    token = csrf_token(visitor.get("/hall/progress").get_data(as_text=True))
    answer = visitor.post("/hall/progress", headers=ZH, data={"csrf_token": token, "number": number,
                                                              "secret": secret})
    assert f'href="{link}"' in answer.get_data(as_text=True) and "评价本次服务" in _text(answer)


def test_the_open_tasks_are_counted_alike_whether_they_fit_the_list_or_not(done) -> None:
    from portal.cases.supervision import follow_ups

    app, case_id, link, visitor = done
    _rate(visitor, link, "不满意")
    with app.app_context(), unscoped():
        task = db.session.scalars(select(FollowUp).where(FollowUp.case_id == case_id)).one()
        task.due_date = dt.date(2026, 1, 5)
        db.session.commit()
        today = dt.date(2026, 3, 2)
        fits, counted = follow_ups(db.session, today, 10), follow_ups(db.session, today, 1)
        assert fits[1:] == counted[1:] == (1, 1) and fits[0] == counted[0]
