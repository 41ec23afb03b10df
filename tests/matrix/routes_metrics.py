"""Metrics pages and API: everyone reads; the CX leader edits; measurements are recorded
by the CX leader, system tokens, and heads for their department's rows."""

from .harness import Route, api_cx_only, api_expect, cx_only, expect

READ_ALL = expect(200)
READ_ONLY = expect(405)
API_READ = api_expect(200)
API_READ_ONLY = api_expect(405)

CSV_OWN_ROW = (
    "metric,period_start,department,channel,source,value,sample_size\nAHT,2025-03-01,SERVICE,,acd,300,10\n"
)


def _csv_upload(w):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return {"file": SimpleUploadedFile("rows.csv", CSV_OWN_ROW.encode(), content_type="text/csv")}


def _metric_data(w):
    return {
        "code": "FCR",
        "name": "First-contact resolution",
        "level": "operational",
        "direction": "higher_is_better",
        "aggregation": "mean",
        "frequency": "monthly",
        "version": 1,
    }


def _metric_edit_data(w):
    return {
        **_metric_data(w),
        "code": "AHT",
        "name": "Average handle time",
        "direction": "lower_is_better",
        "version": w.aht.version,
    }


def _link_data(w):
    from apps.metrics import services

    fcr = services.metric_create(
        by=w.alice,
        code="FCR",
        name="FCR",
        level="operational",
        direction="higher_is_better",
        aggregation="mean",
        frequency="monthly",
    )
    return {"child": fcr.pk, "parent": w.csat.pk, "weight": 1, "impact": 0.2, "version": 1}


def _api_link_data(w):
    # A new driver, so the CX leader's create succeeds (201); a cycle's refusal is tested in
    # tests/metrics/test_links_api.py.
    _link_data(w)
    return {"child": "FCR", "parent": "CSAT", "weight": 1, "impact": 0.2}


def _adopt_data(w):
    # Evidence with an estimate, so the CX leader's adoption succeeds (302).
    from apps.metrics.models import DriverEvidence

    DriverEvidence.objects.update_or_create(
        link=w.link,
        defaults={
            "observations": 24,
            "groups": 2,
            "scope_kind": "department",
            "estimate": -0.15,
            "std_error": 0.02,
            "interval_low": -0.19,
            "interval_high": -0.11,
            "r_squared": 0.8,
            "verdict": "contradicted",
        },
    )
    return {"version": w.link.version}


def _target_data(w):
    return {
        "valid_from": "2020-01-01",
        "valid_to": "2020-12-31",
        "value": 320,
        "amber_threshold": 90,
        "version": 1,
    }


ROUTES = [
    Route("metrics:metric-list", read=READ_ALL, write=READ_ONLY),
    Route("metrics:hierarchy", read=READ_ALL, write=READ_ONLY),
    Route("metrics:hierarchy-children", read=READ_ALL, write=READ_ONLY, kwargs=lambda w: {"code": "CSAT"}),
    Route("metrics:metric-detail", read=READ_ALL, write=READ_ONLY, kwargs=lambda w: {"code": "AHT"}),
    Route("metrics:metric-create", read=cx_only(200), write=cx_only(302), data=_metric_data),
    Route(
        "metrics:metric-edit",
        read=cx_only(200),
        write=cx_only(302),
        kwargs=lambda w: {"code": "AHT"},
        data=_metric_edit_data,
    ),
    Route("metrics:link-create", read=cx_only(200), write=cx_only(302), data=_link_data),
    Route(
        "metrics:link-edit",
        read=cx_only(200),
        write=cx_only(302),
        kwargs=lambda w: {"pk": w.link.pk},
        data=lambda w: {
            "child": w.aht.pk,
            "parent": w.csat.pk,
            "weight": 3,
            "impact": -0.2,
            "version": w.link.version,
        },
    ),
    Route("metrics:link-archive", read=expect(405), write=cx_only(302), kwargs=lambda w: {"pk": w.link.pk}),
    Route(
        "metrics:link-adopt-evidence",
        read=expect(405),
        write=cx_only(302),
        kwargs=lambda w: {"pk": w.link.pk},
        data=_adopt_data,
    ),
    Route(
        "metrics:target-create",
        read=cx_only(200),
        write=cx_only(302),
        kwargs=lambda w: {"code": "AHT"},
        data=_target_data,
    ),
    Route(
        "metrics:target-edit",
        read=cx_only(200),
        write=cx_only(302),
        kwargs=lambda w: {"pk": w.target.pk},
        data=lambda w: {
            "valid_from": "2024-01-01",
            "value": 280,
            "amber_threshold": 90,
            "version": w.target.version,
        },
    ),
    # Heads may upload; the other department's head gets the page back with the row refused
    # (row by row in tests/metrics/test_pages.py) and nothing written (`unchanged`).
    Route(
        "metrics:upload",
        read=expect(403, cx_leader=200, head_own=200, head_other=200),
        write=expect(403, cx_leader=200, head_own=200, head_other=200),
        data=_csv_upload,
        unchanged=("head_other",),
    ),
    Route("metrics:rollup", read=READ_ALL, write=cx_only(302)),
    # API
    Route(
        "api:metric-list",
        read=API_READ,
        write=api_cx_only(201),
        api=True,
        json=True,
        data=lambda w: {k: v for k, v in _metric_data(w).items() if k != "version"},
    ),
    Route(
        "api:metric-detail",
        read=API_READ,
        write=api_cx_only(200),
        api=True,
        json=True,
        write_method="patch",
        kwargs=lambda w: {"code": "AHT"},
        data=lambda w: {"name": "Handle time (s)", "version": w.aht.version},
    ),
    Route(
        "api:link-list",
        read=API_READ,
        write=api_cx_only(201),
        api=True,
        json=True,
        data=_api_link_data,
    ),
    Route(
        "api:link-detail",
        read=API_READ,
        write=api_cx_only(200),
        api=True,
        json=True,
        write_method="patch",
        kwargs=lambda w: {"pk": w.link.pk},
        data=lambda w: {"weight": 2, "version": w.link.version},
    ),
    Route(
        "api:target-list",
        read=API_READ,
        write=api_cx_only(201),
        api=True,
        json=True,
        data=lambda w: {"metric": "AHT", "valid_from": "2020-01-01", "valid_to": "2020-12-31", "value": 310},
    ),
    Route(
        "api:target-detail",
        read=API_READ,
        write=api_cx_only(200),
        api=True,
        json=True,
        write_method="patch",
        kwargs=lambda w: {"pk": w.target.pk},
        data=lambda w: {"value": 290, "version": w.target.version},
    ),
    Route("api:measurement-list", read=API_READ, write=API_READ_ONLY, api=True),
    Route(
        "api:measurement-bulk",
        read=api_expect(403, cx_leader=405, head_own=405, head_other=405, system=405),
        write=api_expect(403, cx_leader=200, head_own=200, head_other=400, system=200),
        api=True,
        content_type="text/csv",
        data=lambda w: CSV_OWN_ROW,
    ),
    Route("api:snapshot-list", read=API_READ, write=API_READ_ONLY, api=True),
    Route("api:summary", read=API_READ, write=API_READ_ONLY, api=True),
    Route("api:hierarchy", read=API_READ, write=API_READ_ONLY, api=True),
    Route("api:link-evidence", read=API_READ, write=API_READ_ONLY, api=True, query="?parent=CSAT"),
    Route("api:rollup-list", read=API_READ, write=api_cx_only(202), api=True),
    Route(
        "api:rollup-detail",
        read=API_READ,
        write=api_cx_only(405),
        api=True,
        kwargs=lambda w: {"pk": w.rollup_run.pk},
    ),
]
