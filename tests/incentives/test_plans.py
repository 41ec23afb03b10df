"""Bonus plans: payouts from the snapshots, approval, amendments, close and freeze
(DESIGN §3 incentives, §4 item 12, §5 payouts)."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from apps.core import roles
from apps.core.errors import StaleEdit
from apps.core.models import HistoryEntry
from apps.incentives import payouts, services
from apps.incentives.models import IncentivePlan, Participant, PayoutResult
from apps.metrics import rollup
from apps.metrics import services as metric_services
from apps.notifications.models import Notification
from apps.organization.models import RoleGrant

from .conftest import ingest_rows, measurement


def result_of(participant) -> PayoutResult:
    return PayoutResult.objects.prefetch_related("components").get(participant=participant)


def approve(plan, p):
    services.plan_submit(plan=plan, by=p.alice)
    return services.plan_approve(plan=IncentivePlan.objects.get(pk=plan.pk), by=p.erin)


def test_cx_bonus_is_worked_by_hand_from_each_components_curve_segment(p, bonus):
    hugo = services.participant_add(
        plan=bonus.plan, by=p.alice, person=p.hugo, target_bonus=10_000, cx_share=20
    )
    result = result_of(hugo)
    by_metric = {c.component.metric.code: c for c in result.components.select_related("component__metric")}
    # CSAT, higher is better, 4.45 lies between target 4.3 (100 %) and maximum 4.6 (150 %):
    # 100 + 50 × (4.45 − 4.3) / (4.6 − 4.3) = 125 %.
    assert by_metric["CSAT"].actual == pytest.approx(4.45)
    assert by_metric["CSAT"].payout_percent == pytest.approx(125)
    # AHT, lower is better, Hugo's department (Customer Service) at 310 s lies between the
    # threshold 320 s (50 %) and the target 300 s (100 %): 50 + 50 × (320 − 310) / 20 = 75 %.
    assert by_metric["AHT"].actual == pytest.approx(310)
    assert by_metric["AHT"].payout_percent == pytest.approx(75)
    # Attainment (2 × 125 + 1 × 75) / 3 = 108.33 %; bonus 10,000 × 20/100 × 108.33/100.
    assert result.attainment == pytest.approx(325 / 3)
    assert result.cx_bonus == pytest.approx(10_000 * 0.20 * (325 / 3) / 100)
    assert result.cx_bonus == pytest.approx(2166.6667, abs=1e-3)
    assert result.provisional is False


def test_department_scoped_component_reads_the_participants_department(p, bonus):
    wanda = services.participant_add(
        plan=bonus.plan, by=p.alice, person=p.wanda, target_bonus=10_000, cx_share=20
    )
    aht = next(c for c in result_of(wanda).components.all() if c.component.metric.code == "AHT")
    # Website's 280 s lies between target 300 (100 %) and maximum 270 (150 %): 100 + 50 × 20/30.
    assert aht.actual == pytest.approx(280)
    assert aht.payout_percent == pytest.approx(100 + 50 * 20 / 30)


def test_a_component_without_an_actual_pays_zero_and_is_flagged(p, bonus):
    cora = services.participant_add(
        plan=bonus.plan, by=p.alice, person=p.cora, target_bonus=1000, cx_share=50
    )
    nps = metric_services.metric_create(
        by=p.alice,
        code="NPS",
        name="NPS",
        level="experience",
        direction="higher_is_better",
        aggregation="mean",
        frequency="quarterly",
    )
    services.component_add(plan=bonus.plan, by=p.alice, metric=nps, threshold=20, target=30, maximum=40)
    nps_result = next(c for c in result_of(cora).components.all() if c.component.metric_id == nps.pk)
    assert nps_result.actual is None and nps_result.no_actual
    assert nps_result.payout_percent == 0


def test_a_participant_joining_on_the_first_day_of_the_second_half_gets_half_the_bonus(p, bonus):
    plan = services.plan_create(by=p.alice, name="Q1", period="2025-Q1")
    services.component_add(plan=plan, by=p.alice, metric=bonus.csat, threshold=4.0, target=4.3, maximum=4.6)
    ingest_rows(p.alice, [measurement("CSAT", "2025-02-01", 4.3)])
    rollup.rollup_dirty(today=date(2026, 11, 23))
    full = services.participant_add(plan=plan, by=p.alice, person=p.hugo, target_bonus=8000, cx_share=25)
    # 2025-Q1 has 90 days: the second half starts on its 46th day, 15 February.
    half = services.participant_add(
        plan=plan, by=p.alice, person=p.cora, target_bonus=8000, cx_share=25, from_date=date(2025, 2, 15)
    )
    assert result_of(full).attainment == pytest.approx(100)
    assert result_of(full).cx_bonus == pytest.approx(2000)
    assert result_of(half).participation == pytest.approx(0.5)
    assert result_of(half).cx_bonus == pytest.approx(result_of(full).cx_bonus / 2)


def test_a_sum_metric_to_date_is_compared_with_a_prorated_curve(p, bonus):
    # A 2026 plan seen on 15 June 2026 with CALLS (monthly sum) recorded January to May:
    # the curve is pro-rated by the days to the end of May, 151 of 365 (DESIGN §4 item 3).
    ingest_rows(p.alice, [measurement("CALLS", f"2026-{m:02d}-01", 1000, sample=1) for m in range(1, 6)])
    today = date(2026, 6, 15)
    rollup.rollup_full(today=today)
    plan = services.plan_create(by=p.alice, name="2026", period="2026")
    services.component_add(
        plan=plan, by=p.alice, metric=bonus.calls, threshold=8000, target=12000, maximum=16000
    )
    services.participant_add(plan=plan, by=p.alice, person=p.hugo, target_bonus=1000, cx_share=100)
    (figure,) = payouts.figures_for(plan, today=today)
    (calls,) = figure.components
    share = 151 / 365
    assert figure.provisional
    assert calls.actual == pytest.approx(5000)
    assert calls.prorated == pytest.approx(share)
    assert calls.target == pytest.approx(12000 * share)
    # 5000 against a pro-rated target of 4953 and maximum of 6619: 100 + 50 × (5000 − 4953)/1666.
    expected = 100 + 50 * (5000 - 12000 * share) / (4000 * share)
    assert calls.payout_percent == pytest.approx(expected)
    assert calls.payout_percent > 100  # on track, not 0 % for want of December


def test_the_payouts_job_recomputes_open_plans_after_a_rollup(p, bonus, django_capture_on_commit_callbacks):
    hugo = services.participant_add(
        plan=bonus.plan, by=p.alice, person=p.hugo, target_bonus=10_000, cx_share=20
    )
    before = result_of(hugo).cx_bonus
    ingest_rows(p.alice, [measurement("CSAT", "2025-07-01", 4.75, sample=100)])
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        rollup.rollup_dirty(today=date(2026, 11, 23))
    assert callbacks, "the roll-up queued the payouts job on commit"
    # CSAT for 2025 is now the mean of 4.45 and 4.75 = 4.6: the maximum, 150 %.
    after = result_of(hugo)
    assert after.cx_bonus > before
    csat = next(c for c in after.components.all() if c.component.metric_id == bonus.csat.pk)
    assert csat.payout_percent == pytest.approx(150)


def test_results_after_close_do_not_move_when_measurements_change(
    p, bonus, django_capture_on_commit_callbacks
):
    hugo = services.participant_add(
        plan=bonus.plan, by=p.alice, person=p.hugo, target_bonus=10_000, cx_share=20
    )
    plan = approve(bonus.plan, p)
    closed = services.plan_close(plan=plan, by=p.alice, today=date(2026, 1, 10))
    assert closed.status == IncentivePlan.Status.CLOSED
    frozen = result_of(hugo)
    assert frozen.frozen_at is not None
    snapshot = (
        frozen.cx_bonus,
        frozen.attainment,
        sorted(frozen.components.values_list("actual", "payout_percent")),
    )
    ingest_rows(p.alice, [measurement("CSAT", "2025-08-01", 3.0, sample=1000)])
    with django_capture_on_commit_callbacks(execute=True):
        rollup.rollup_dirty(today=date(2026, 11, 23))
    services.payouts_after_rollup(metric_ids=None, periods=[bonus.plan.period_obj])
    services.results_recompute(plan=closed)
    after = result_of(hugo)
    assert (
        after.cx_bonus,
        after.attainment,
        sorted(after.components.values_list("actual", "payout_percent")),
    ) == snapshot


def test_close_runs_the_pending_rollups_first(p, bonus):
    hugo = services.participant_add(
        plan=bonus.plan, by=p.alice, person=p.hugo, target_bonus=10_000, cx_share=20
    )
    plan = approve(bonus.plan, p)
    # A late measurement not yet rolled up: closing rolls it up before freezing.
    ingest_rows(p.alice, [measurement("CSAT", "2025-07-01", 4.75, sample=100)])
    services.plan_close(plan=plan, by=p.alice, today=date(2026, 1, 10))
    csat = next(c for c in result_of(hugo).components.all() if c.component.metric_id == bonus.csat.pk)
    assert csat.actual == pytest.approx(4.6)


def test_a_plan_cannot_close_before_its_period_ends(p, bonus):
    services.participant_add(plan=bonus.plan, by=p.alice, person=p.hugo, target_bonus=1, cx_share=1)
    plan = approve(bonus.plan, p)
    with pytest.raises(ValidationError):
        services.plan_close(plan=plan, by=p.alice, today=date(2025, 12, 31))


def test_approved_and_closed_plans_refuse_every_component_write(p, bonus):
    services.participant_add(plan=bonus.plan, by=p.alice, person=p.hugo, target_bonus=1, cx_share=1)
    component = bonus.plan.components.first()
    plan = approve(bonus.plan, p)
    for state in ("approved", "closed"):
        if state == "closed":
            plan = services.plan_close(plan=plan, by=p.alice, today=date(2026, 1, 10))
        component.refresh_from_db()
        with pytest.raises(ValidationError):
            services.component_add(
                plan=plan, by=p.alice, metric=bonus.calls, threshold=1, target=2, maximum=3
            )
        with pytest.raises(ValidationError):
            services.component_update(component=component, by=p.alice, version=component.version, weight=5)
        with pytest.raises(ValidationError):
            services.component_remove(component=component, by=p.alice)
        with pytest.raises(ValidationError):
            services.plan_update(plan=plan, by=p.alice, version=plan.version, name="Renamed")
        assert plan.components.count() == 2
        component.refresh_from_db()
        assert component.weight == 2


def test_nobody_who_edited_the_plan_since_it_was_sent_for_approval_may_approve_it(p, bonus):
    # Erin is an executive; she also holds the CX leader role and edits the draft.
    RoleGrant.objects.create(user=p.erin, role=roles.CX_LEADER)
    services.participant_add(plan=bonus.plan, by=p.erin, person=p.hugo, target_bonus=1, cx_share=1)
    plan = services.plan_submit(plan=bonus.plan, by=p.alice)
    with pytest.raises(ValidationError):
        services.plan_approve(plan=plan, by=p.erin)
    # Another executive may.
    other = type(p.erin).objects.create_user("olga@example.com", "pw-Secret-123", display_name="Olga Exec")
    RoleGrant.objects.create(user=other, role=roles.EXECUTIVE)
    approved = services.plan_approve(plan=plan, by=other, version=plan.version)
    assert approved.status == IncentivePlan.Status.APPROVED
    assert approved.approved_by == other and approved.approved_at is not None


def test_an_edit_withdraws_the_plan_from_approval_and_a_stale_approval_is_refused(p, bonus):
    services.participant_add(plan=bonus.plan, by=p.alice, person=p.hugo, target_bonus=1, cx_share=1)
    plan = services.plan_submit(plan=bonus.plan, by=p.alice)
    seen = plan.version
    services.participant_add(plan=plan, by=p.alice, person=p.cora, target_bonus=1, cx_share=1)
    with pytest.raises(StaleEdit):
        services.plan_approve(plan=plan, by=p.erin, version=seen)
    with pytest.raises(ValidationError):
        services.plan_approve(plan=IncentivePlan.objects.get(pk=plan.pk), by=p.erin)  # no longer submitted


def test_sending_back_records_the_reason_and_tells_the_author(p, bonus):
    services.participant_add(plan=bonus.plan, by=p.alice, person=p.hugo, target_bonus=1, cx_share=1)
    plan = services.plan_submit(plan=bonus.plan, by=p.alice)
    back = services.plan_send_back(plan=plan, by=p.erin, reason="Weights too generous")
    assert back.submitted_at is None and back.sent_back_reason == "Weights too generous"
    assert Notification.objects.filter(recipient=p.alice, kind="incentive_plan_sent_back").exists()
    with pytest.raises(ValidationError):
        services.plan_send_back(plan=back, by=p.erin, reason="")


def test_approval_tells_the_author_and_the_participants_and_close_tells_the_participants(p, bonus):
    services.participant_add(plan=bonus.plan, by=p.alice, person=p.hugo, target_bonus=1, cx_share=1)
    services.participant_add(plan=bonus.plan, by=p.alice, person=p.cora, target_bonus=1, cx_share=1)
    plan = approve(bonus.plan, p)
    assert Notification.objects.filter(recipient=p.alice, kind="incentive_plan_approved").count() == 1
    for person in (p.hugo, p.cora):
        assert Notification.objects.filter(recipient=person, kind="incentive_plan_approved").count() == 1
    services.plan_close(plan=plan, by=p.alice, today=date(2026, 1, 10))
    for person in (p.hugo, p.cora):
        assert Notification.objects.filter(recipient=person, kind="incentive_plan_closed").count() == 1
    assert not Notification.objects.filter(recipient=p.wanda).exists()


def test_amendments_after_approval_are_recorded_and_announced_to_the_approver(p, bonus):
    hugo = services.participant_add(
        plan=bonus.plan, by=p.alice, person=p.hugo, target_bonus=1000, cx_share=10
    )
    plan = approve(bonus.plan, p)
    hugo.refresh_from_db()
    # Transfer and leave.
    services.participant_update(
        participant=hugo, by=p.alice, version=hugo.version, department=p.website, to_date=date(2025, 6, 30)
    )
    # Join.
    services.participant_add(plan=plan, by=p.alice, person=p.cora, target_bonus=500, cx_share=10)
    assert Notification.objects.filter(recipient=p.erin, kind="incentive_plan_amended").count() == 2
    hugo.refresh_from_db()
    assert hugo.department == p.website and hugo.to_date == date(2025, 6, 30)
    assert HistoryEntry.objects.filter(object_id=str(hugo.pk), action="update").exists()
    notes = list(HistoryEntry.objects.filter(object_id=str(plan.pk)).values_list("note", flat=True))
    assert any("amendment" in n for n in notes)
    # The bonus follows: half a year in the plan.
    assert result_of(hugo).participation == pytest.approx(181 / 365)
    # Terms other than department and end date are fixed once approved.
    hugo.refresh_from_db()
    with pytest.raises(ValidationError):
        services.participant_update(participant=hugo, by=p.alice, version=hugo.version, target_bonus=99_999)
    with pytest.raises(ValidationError):
        services.participant_remove(participant=hugo, by=p.alice)


@pytest.mark.parametrize("period", ["2025-13", "2025-03", "next year", "", "2025-Q5"])
def test_a_plan_period_that_does_not_parse_is_refused(p, period):
    with pytest.raises(ValidationError) as exc:
        services.plan_create(by=p.alice, name="Plan", period=period)
    assert "period" in exc.value.message_dict


def test_a_curve_that_breaks_the_direction_rule_is_refused(p, bonus):
    plan = services.plan_create(by=p.alice, name="P", period="2025")
    with pytest.raises(ValidationError) as exc:
        # AHT is lower-is-better: threshold must be above target, target above maximum.
        services.component_add(
            plan=plan, by=p.alice, metric=bonus.aht, threshold=270, target=300, maximum=320
        )
    assert "lower-is-better" in str(exc.value)
    with pytest.raises(ValidationError):
        services.component_add(
            plan=plan, by=p.alice, metric=bonus.csat, threshold=4.3, target=4.3, maximum=4.6
        )
    with pytest.raises(ValidationError):
        services.component_add(
            plan=plan, by=p.alice, metric=bonus.csat, threshold=4, target=4.3, maximum=4.6, weight=0
        )
    assert plan.components.count() == 0


def test_a_metric_measured_less_often_than_the_plan_period_is_refused(p):
    yearly = metric_services.metric_create(
        by=p.alice,
        code="BRAND",
        name="Brand",
        level="experience",
        direction="higher_is_better",
        aggregation="mean",
        frequency="yearly",
    )
    plan = services.plan_create(by=p.alice, name="Q", period="2025-Q2")
    with pytest.raises(ValidationError) as exc:
        services.component_add(plan=plan, by=p.alice, metric=yearly, threshold=1, target=2, maximum=3)
    assert "metric" in exc.value.message_dict


def test_a_department_scoped_component_needs_every_participants_department(p, bonus):
    # Alice has no primary department: she cannot join a plan with a department component.
    with pytest.raises(ValidationError) as exc:
        services.participant_add(plan=bonus.plan, by=p.alice, person=p.alice, target_bonus=1, cx_share=1)
    assert "department" in exc.value.message_dict
    plan = services.plan_create(by=p.alice, name="Org only", period="2025")
    services.participant_add(plan=plan, by=p.alice, person=p.alice, target_bonus=1, cx_share=1)
    with pytest.raises(ValidationError) as exc:
        services.component_add(
            plan=plan,
            by=p.alice,
            metric=bonus.aht,
            scope="department",
            threshold=320,
            target=300,
            maximum=270,
        )
    assert "scope" in exc.value.message_dict


def test_the_department_defaults_to_the_primary_department(p, bonus):
    hugo = services.participant_add(plan=bonus.plan, by=p.alice, person=p.hugo, target_bonus=1, cx_share=1)
    assert hugo.department == p.service


def test_the_same_person_twice_is_refused(p, bonus):
    services.participant_add(plan=bonus.plan, by=p.alice, person=p.hugo, target_bonus=1, cx_share=1)
    with pytest.raises(ValidationError) as exc:
        services.participant_add(plan=bonus.plan, by=p.alice, person=p.hugo, target_bonus=2, cx_share=2)
    assert "participant" in exc.value.message_dict


@pytest.mark.parametrize(
    ("field", "value"),
    [("target_bonus", -1), ("cx_share", 101), ("cx_share", -0.5), ("from_date", date(2024, 12, 31))],
)
def test_participant_terms_out_of_range_are_refused(p, bonus, field, value):
    with pytest.raises(ValidationError):
        services.participant_add(
            plan=bonus.plan, by=p.alice, person=p.hugo, **{"target_bonus": 1, "cx_share": 1, field: value}
        )
    assert not bonus.plan.participants.exists()


def test_every_change_is_in_the_history(p, bonus):
    component = bonus.plan.components.first()
    services.component_update(component=component, by=p.alice, version=component.version, weight=3)
    entry = HistoryEntry.objects.filter(object_id=str(component.pk), action="update").first()
    assert entry.changes["weight"]["before"] == 2.0 and entry.changes["weight"]["after"] == 3.0
    assert entry.actor == p.alice


def test_hr_import_is_all_or_nothing_with_row_errors(p, bonus):
    bad = (
        "email,department,target_bonus,cx_share,from,to\n"
        "hugo@example.com,SERVICE,10000,20,2025-01-01,2025-12-31\n"
        "nobody@example.com,SERVICE,10000,20,,\n"
        "cora@example.com,NOPE,ten,20,2025-01-01,2025-12-31\n"
    )
    with pytest.raises(services.ImportErrors) as exc:
        services.participants_import(plan=bonus.plan, by=p.alice, text=bad)
    rows = {(e["row"], e["field"]) for e in exc.value.rows}
    assert (3, "email") in rows and (4, "department") in rows and (4, "target_bonus") in rows
    assert not bonus.plan.participants.exists()
    good = (
        "email,department,target_bonus,cx_share,from,to\n"
        "hugo@example.com,SERVICE,10000,20,2025-01-01,2025-12-31\n"
        "cora@example.com,,5000,10,2025-07-01,\n"
    )
    created = services.participants_import(plan=bonus.plan, by=p.alice, text=good)
    assert len(created) == 2
    cora = Participant.objects.get(person=p.cora)
    assert (
        cora.department == p.service
        and cora.from_date == date(2025, 7, 1)
        and cora.to_date == date(2025, 12, 31)
    )
    assert PayoutResult.objects.filter(plan=bonus.plan).count() == 2
