"""Measurements always name a metric, department and channel that exist (issue #21): the
per-row foreign keys gave way to set-based checks in the database (migration 0003), and
this proves the invariant both ways, on PostgreSQL and SQLite, below the ORM's PROTECT."""

from datetime import date

import pytest
from django.db import IntegrityError, connection, transaction

from apps.metrics.models import Measurement
from apps.organization.models import Channel, Department

pytestmark = pytest.mark.django_db


def _insert(**columns):
    row = {
        "metric_id": None,
        "period_start": date(2025, 3, 1),
        "department_id": None,
        "channel_id": None,
        "dept_key": 0,
        "chan_key": 0,
        "source": "raw",
        "value": 1.0,
        "sample_size": 1.0,
        "recorded_at": "2025-04-01 00:00:00+00:00",
    } | columns
    names = ", ".join(row)
    marks = ", ".join(["%s"] * len(row))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO metrics_measurement ({names}) VALUES ({marks})", list(row.values()))


def _missing_id(model) -> int:
    return (model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1000


def test_a_row_naming_a_missing_metric_department_or_channel_is_refused(p, hierarchy):
    aht = hierarchy.aht.pk
    _insert(metric_id=aht, department_id=p.service.pk, dept_key=p.service.pk)  # all exist
    with pytest.raises(IntegrityError):
        _insert(metric_id=hierarchy.aht.pk + 10_000)
    with pytest.raises(IntegrityError):
        _insert(metric_id=aht, source="d", department_id=_missing_id(Department))
    with pytest.raises(IntegrityError):
        _insert(metric_id=aht, source="c", channel_id=_missing_id(Channel))
    # An UPDATE that points a row elsewhere is checked too.
    with pytest.raises(IntegrityError), transaction.atomic():
        Measurement.objects.filter(source="raw").update(department_id=_missing_id(Department))
    assert list(Measurement.objects.values_list("source", flat=True)) == ["raw"]


def test_a_batch_with_one_missing_department_is_refused_whole(p, hierarchy):
    good = (hierarchy.aht.pk, p.service.pk)
    bad = (hierarchy.aht.pk, _missing_id(Department))
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO metrics_measurement (metric_id, period_start, department_id, dept_key, chan_key,"
            " source, value, sample_size, recorded_at)"
            " SELECT m, '2025-03-01', d, d, 0, 's' || d, 1, 1, '2025-04-01 00:00:00+00:00'"
            " FROM (SELECT %s AS m, %s AS d UNION ALL SELECT %s, %s) AS v",
            [*good, *bad],
        )
    assert not Measurement.objects.exists()


@pytest.mark.parametrize("table", ["organization_department", "organization_channel", "metrics_metric"])
def test_a_named_parent_cannot_be_deleted_or_renumbered_only_archived(p, hierarchy, table):
    phone = Channel.objects.get(code="PHONE")
    _insert(
        metric_id=hierarchy.aht.pk,
        department_id=p.service.pk,
        dept_key=p.service.pk,
        channel_id=phone.pk,
        chan_key=phone.pk,
    )
    parent = {
        "organization_department": p.service.pk,
        "organization_channel": phone.pk,
        "metrics_metric": hierarchy.aht.pk,
    }[table]
    for statement in (
        f"DELETE FROM {table} WHERE id = %s",
        f"UPDATE {table} SET id = id + 100000 WHERE id = %s",
    ):
        with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, [parent])
    assert Measurement.objects.count() == 1


def test_a_parent_no_measurement_names_can_still_be_deleted(p, hierarchy):
    spare = Channel.objects.create(code="SPARE", name="Spare")
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM organization_channel WHERE id = %s", [spare.pk])
    assert not Channel.objects.filter(code="SPARE").exists()
