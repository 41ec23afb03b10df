"""Notifications are written in the recipient's language, not the actor's, name the
department and the period they concern, and never end mid-word; the reds of one roll-up
reach each recipient as one notification listing them (DESIGN §5)."""

import pytest
from django.utils import timezone

from apps.committees import services as committee_services
from apps.committees.models import Decision
from apps.metrics import rollup
from apps.notifications import services as notification_services
from apps.notifications.digest import send_daily_digest
from apps.notifications.models import Notification
from tests.metrics.test_rollup import ingest_rows, rows_for

pytestmark = pytest.mark.django_db


def speaks(user, language):
    user.language = language
    user.save(update_fields=["language"])


@pytest.fixture
def review(p, hierarchy):
    committee = committee_services.committee_create(by=p.alice, name="Service review", chair=p.alice)
    review = committee_services.review_schedule(
        committee=committee, by=p.alice, scheduled_for=timezone.localdate()
    )
    committee_services.review_open(review=review, by=p.alice)
    return review


def test_a_spanish_owner_hears_of_an_english_leader_s_decision_in_spanish(p, review):
    speaks(p.hugo, "es")
    item = committee_services.agenda_add_free(review=review, by=p.alice, title="Calls")
    committee_services.decision_create(
        item=item, by=p.alice, kind=Decision.Kind.ASSIGN_OWNER, text="Hugo reports", owner=p.hugo
    )
    note = Notification.objects.get(recipient=p.hugo, kind="decision_owner")
    assert note.subject == "Se le ha asignado una decisión de Service review"


def test_an_english_owner_hears_in_english_whatever_the_actor_speaks(p, review):
    speaks(p.alice, "es")
    item = committee_services.agenda_add_free(review=review, by=p.alice, title="Calls")
    committee_services.decision_create(
        item=item, by=p.alice, kind=Decision.Kind.ASSIGN_OWNER, text="Hugo reports", owner=p.hugo
    )
    assert Notification.objects.get(recipient=p.hugo, kind="decision_owner").subject == (
        "A decision of Service review is yours"
    )


def test_the_reds_of_one_rollup_are_one_notification_naming_each_department_and_the_period(p, hierarchy):
    month = timezone.localdate().replace(day=1)
    rows = rows_for([month.isoformat()], base=900) + rows_for(
        [month.isoformat()], department="WEBSITE", base=800
    )
    ingest_rows(p.alice, rows)  # AHT far above its 300 target in both departments: red
    rollup.rollup_dirty()
    notes = list(Notification.objects.filter(kind="metric_red", recipient=p.hugo))
    assert len(notes) == 1
    note = notes[0]
    period = month.strftime("%Y-%m")
    assert period in note.subject and "AHT" in note.subject
    assert "Customer Service" in note.subject and "Website" in note.subject
    assert "Customer Service" in note.body and "Website" in note.body
    assert note.body.count("\n") >= 1  # one line per department (and the organisation)
    rollup.rollup_full()  # still red: nobody is told twice
    assert Notification.objects.filter(kind="metric_red", recipient=p.hugo).count() == 1


def test_a_red_reaches_a_spanish_owner_in_spanish(p, hierarchy):
    speaks(p.hugo, "es")
    month = timezone.localdate().replace(day=1)
    ingest_rows(p.alice, rows_for([month.isoformat()], base=900))
    rollup.rollup_dirty()
    note = Notification.objects.get(kind="metric_red", recipient=p.hugo)
    assert "ha pasado a rojo" in note.subject
    assert "Customer Service" in note.subject


def test_a_rollup_that_rolls_back_tells_nobody_and_leaves_nothing_for_the_next(p, hierarchy, monkeypatch):
    from apps.metrics import snapshot_store

    month = timezone.localdate().replace(day=1)
    ingest_rows(p.alice, rows_for([month.isoformat()], base=900))
    real_delete = snapshot_store.delete_stale

    def die(*args, **kwargs):
        raise RuntimeError("worker killed")

    # Dies after the red was announced to the listeners, before the roll-up finished.
    monkeypatch.setattr(snapshot_store, "delete_stale", die)
    original_store = snapshot_store.store

    def store_then_die(*args, **kwargs):
        monkeypatch.setattr(snapshot_store, "delete_stale", real_delete)
        original_store(*args, **kwargs)
        raise RuntimeError("worker killed")

    monkeypatch.setattr(snapshot_store, "store", store_then_die)
    with pytest.raises(RuntimeError):
        rollup.rollup_dirty()
    assert not Notification.objects.filter(kind="metric_red").exists()
    monkeypatch.setattr(snapshot_store, "store", original_store)
    rollup.rollup_dirty()
    assert Notification.objects.filter(kind="metric_red", recipient=p.hugo).count() == 1


def test_a_long_subject_is_cut_at_a_word_with_an_ellipsis():
    text = "word " * 60
    cut = notification_services.clipped(text.strip(), 200)
    assert len(cut) <= 200 and cut.endswith("…") and cut[:-1].split(" ")[-1] == "word"


def test_a_string_instead_of_a_callable_is_refused(p):
    with pytest.raises(TypeError):
        notification_services.notify(recipient=p.hugo, kind="test", subject="built in the actor's language")


def test_the_digest_is_written_in_each_recipient_s_language(p, hierarchy):
    from datetime import date, timedelta

    from apps.actions import services as plan_services

    speaks(p.cora, "es")
    plan = plan_services.plan_create(
        by=p.alice, title="Shorter calls", owner_department=p.service, owner=p.hugo, status="active"
    )
    plan_services.milestone_create(
        plan=plan, by=p.alice, title="Script", owner=p.cora, due=date.today() - timedelta(days=3)
    )
    plan_services.milestone_create(
        plan=plan, by=p.alice, title="Training", owner=p.hugo, due=date.today() - timedelta(days=3)
    )
    send_daily_digest()
    assert Notification.objects.get(kind="digest", recipient=p.cora).subject.startswith("Sus ")
    assert Notification.objects.get(kind="digest", recipient=p.hugo).subject.startswith("Your overdue items")


def test_the_inbox_names_each_kind_in_words_in_the_reader_s_language(p, review, login):
    speaks(p.hugo, "es")
    item = committee_services.agenda_add_free(review=review, by=p.alice, title="Calls")
    committee_services.decision_create(
        item=item, by=p.alice, kind=Decision.Kind.ASSIGN_OWNER, text="Hugo reports", owner=p.hugo
    )
    html = login(p.hugo).get("/notifications/").content.decode()
    assert "decisión asignada a usted" in html
    assert ">decision_owner<" not in html
