"""Rules that live in one place: versioned_update moves updated_at, a target stays with
its metric, one finite-number rule on every form, serializer and service, the per-row
measurement permission (DESIGN §6)."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from apps.actions import services as plan_services
from apps.actions.models import ActionPlan, ExpectedImpact
from apps.core.services import archive_set, versioned_update
from apps.core.validators import check_finite, is_finite_number, validate_finite
from apps.metrics import ingest
from apps.metrics import services as metric_services
from apps.metrics.models import Measurement, MetricLink, Target
from apps.metrics.permissions import measurement_rows_allowed
from apps.organization.models import Department

NAN, INF = float("nan"), float("inf")
LONG_AGO = timezone.now() - timedelta(days=400)


# --- versioned_update moves updated_at ----------------------------------------------------------


def test_versioned_update_moves_updated_at(p):
    Department.objects.filter(pk=p.service.pk).update(updated_at=LONG_AGO)
    before = timezone.now()
    updated = versioned_update(p.service, by=p.alice, version=1, changes={"name": "Care"})
    assert updated.updated_at >= before
    assert Department.objects.get(pk=p.service.pk).updated_at >= before


def test_archiving_moves_updated_at(p):
    Department.objects.filter(pk=p.website.pk).update(updated_at=LONG_AGO)
    before = timezone.now()
    assert archive_set(p.website, by=p.alice, archived=True).updated_at >= before


def test_a_stale_versioned_update_leaves_updated_at_alone(p):
    Department.objects.filter(pk=p.service.pk).update(updated_at=LONG_AGO)
    from apps.core.errors import StaleEdit

    with pytest.raises(StaleEdit):
        versioned_update(p.service, by=p.alice, version=9, changes={"name": "Care"})
    assert Department.objects.get(pk=p.service.pk).updated_at == LONG_AGO


# --- a target cannot move to another metric -----------------------------------------------------


def test_target_update_refuses_another_metric(p, hierarchy):
    target = Target.objects.get(metric=hierarchy.aht)
    with pytest.raises(ValidationError) as refused:
        metric_services.target_update(
            target=target, by=p.alice, version=target.version, metric=hierarchy.csat
        )
    assert "metric" in refused.value.message_dict
    assert Target.objects.get(pk=target.pk).metric == hierarchy.aht


def test_target_update_naming_its_own_metric_is_an_ordinary_edit(p, hierarchy):
    target = Target.objects.get(metric=hierarchy.aht)
    updated = metric_services.target_update(
        target=target, by=p.alice, version=target.version, metric=hierarchy.aht, value=280
    )
    assert (updated.metric, updated.value) == (hierarchy.aht, 280)


def test_the_api_refuses_moving_a_target_with_a_400_naming_metric(api, p, hierarchy):
    target = Target.objects.get(metric=hierarchy.aht)
    response = api(p.alice_token).patch(
        f"/api/v1/targets/{target.pk}/", {"metric": "CSAT", "version": target.version}, format="json"
    )
    assert response.status_code == 400
    assert "metric" in response.json()
    assert Target.objects.get(pk=target.pk).metric == hierarchy.aht


# --- one finite-number rule ---------------------------------------------------------------------


@pytest.mark.parametrize("value", [NAN, INF, -INF, True, "1"])
def test_the_finite_rule_refuses_what_is_not_a_finite_number(value):
    assert not is_finite_number(value)
    with pytest.raises(ValidationError):
        validate_finite(value)
    with pytest.raises(ValidationError) as refused:
        check_finite(x=value, y=1.5)
    assert set(refused.value.message_dict) == {"x"}


def test_the_finite_rule_accepts_numbers_and_an_empty_optional_value():
    validate_finite(None)
    validate_finite(0)
    check_finite(x=None, y=-2.5)
    with pytest.raises(ValidationError):
        check_finite(x=None, allow_none=False)


def test_services_refuse_non_finite_numbers(p, hierarchy):
    with pytest.raises(ValidationError) as refused:
        metric_services.link_create(by=p.alice, child=hierarchy.nps, parent=hierarchy.csat, impact=NAN)
    assert "impact" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        metric_services.target_create(
            by=p.alice, metric=hierarchy.nps, valid_from=date(2024, 1, 1), value=INF
        )
    assert "value" in refused.value.message_dict
    plan = plan_services.plan_create(by=p.alice, title="P", owner_department=p.service)
    with pytest.raises(ValidationError) as refused:
        plan_services.impact_set(plan=plan, by=p.alice, metric=hierarchy.aht, expected_change=NAN)
    assert "expected_change" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        plan_services.plan_create(by=p.alice, title="Q", owner_department=p.service, cost_estimate=INF)
    assert "cost_estimate" in refused.value.message_dict
    assert not MetricLink.objects.filter(child=hierarchy.nps, parent=hierarchy.csat).exists()
    assert not Target.objects.filter(metric=hierarchy.nps).exists()
    assert not ExpectedImpact.objects.filter(plan=plan).exists()


@pytest.mark.parametrize(
    ("url_name", "data", "field"),
    [
        ("metrics:link-create", {"weight": "nan", "impact": "0"}, "weight"),
        ("metrics:link-create", {"weight": "1", "impact": "inf"}, "impact"),
        (
            "metrics:target-create",
            {"valid_from": "2024-01-01", "value": "nan", "amber_threshold": "90"},
            "value",
        ),
        ("metrics:target-create", {"valid_from": "2024-01-01", "value": "1", "baseline": "-inf"}, "baseline"),
    ],
)
def test_metric_forms_show_a_non_finite_number_as_a_field_error(client, p, hierarchy, url_name, data, field):
    client.force_login(p.alice)
    kwargs = {"code": hierarchy.nps.code} if url_name == "metrics:target-create" else {}
    if url_name == "metrics:link-create":
        data = {**data, "child": hierarchy.nps.pk, "parent": hierarchy.csat.pk}
    links, targets = MetricLink.objects.count(), Target.objects.count()
    response = client.post(reverse(url_name, kwargs=kwargs), {**data, "version": 1})
    assert response.status_code == 200
    assert f'id="id_{field}_errors"' in response.content.decode()
    assert (MetricLink.objects.count(), Target.objects.count()) == (links, targets)


def test_the_impact_form_refuses_a_non_finite_change(client, p, hierarchy):
    plan = plan_services.plan_create(by=p.alice, title="P", owner_department=p.service)
    client.force_login(p.alice)
    response = client.post(
        reverse("actions:impact-add", args=[plan.pk]), {"metric": hierarchy.aht.pk, "expected_change": "nan"}
    )
    assert response.status_code == 302
    assert not ExpectedImpact.objects.filter(plan=plan).exists()


@pytest.mark.parametrize(
    ("path", "data", "field"),
    [
        ("/api/v1/links/", {"child": "NPS", "parent": "CSAT", "weight": "NaN"}, "weight"),
        ("/api/v1/links/", {"child": "NPS", "parent": "CSAT", "impact": "-Infinity"}, "impact"),
        ("/api/v1/targets/", {"metric": "NPS", "valid_from": "2024-01-01", "value": "Infinity"}, "value"),
        (
            "/api/v1/targets/",
            {"metric": "NPS", "valid_from": "2024-01-01", "value": 1, "baseline": "NaN"},
            "baseline",
        ),
        (
            "/api/v1/plans/",
            {"title": "P", "owner_department": "SERVICE", "cost_estimate": "NaN"},
            "cost_estimate",
        ),
        (
            "/api/v1/plans/",
            {"title": "P", "owner_department": "SERVICE", "cost_estimate": True},
            "cost_estimate",
        ),
    ],
)
def test_the_api_refuses_non_finite_numbers_naming_the_field(api, p, hierarchy, path, data, field):
    counts = (MetricLink.objects.count(), Target.objects.count(), ActionPlan.objects.count())
    response = api(p.alice_token).post(path, data, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert (MetricLink.objects.count(), Target.objects.count(), ActionPlan.objects.count()) == counts


# --- per-row measurement permission (DESIGN §6) -------------------------------------------------


def test_measurement_row_permission_per_role(p):
    service, website = p.service.pk, p.website.pk
    head = measurement_rows_allowed(p.hugo)
    assert head(service, None)  # a metric Service owns, organisation row
    assert head(website, service)  # Website's metric, a row of Service
    assert head(None, service)  # a metric nobody owns, a row of Service
    assert not head(website, website)
    assert not head(website, None)
    assert not head(None, None)
    for anyone in (p.alice, p.sam):
        assert measurement_rows_allowed(anyone)(website, None)
    assert not measurement_rows_allowed(p.erin)(None, service)


def test_ingest_refuses_a_row_the_head_may_not_record_and_writes_nothing(p, hierarchy):
    rows = [
        {"metric": "AHT", "period_start": "2024-01-01", "source": "crm", "value": 300, "sample_size": 10},
        {"metric": "WEB_ERR", "period_start": "2024-01-01", "source": "crm", "value": 5},
    ]
    result = ingest.measurements_ingest(rows=rows, by=p.hugo, csv_mode=False)
    assert not result.ok
    assert [(e["row"], e["field"]) for e in result.errors] == [(1, "metric")]
    assert not Measurement.objects.exists()
