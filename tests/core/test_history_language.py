"""History is shown in the reader's language, whatever language it was recorded in."""

import pytest


@pytest.mark.django_db
def test_history_recorded_in_english_reads_in_spanish(p):
    from django.utils import translation

    from apps.actions import services as plan_services
    from apps.core.models import HistoryEntry

    with translation.override("en"):
        plan = plan_services.plan_create(
            by=p.alice, title="Shorter calls", owner_department=p.service, owner=p.hugo, status="active"
        )
        plan_services.plan_update(plan=plan, by=p.alice, version=plan.version, status="at_risk")
    entry = HistoryEntry.objects.filter(object_id=str(plan.pk), action="update").first()
    with translation.override("es"):
        rows = {r["label"]: r for r in entry.readable_changes()}
    assert rows["estado"]["before"] == "activo" and rows["estado"]["after"] == "en riesgo"
