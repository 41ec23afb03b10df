"""Feedback (DESIGN §6 "triage feedback"): everyone signed in reads; the CX leader triages
everything; the head of a routed department (Hugo: the items are routed to Customer
Service) triages those items, the head of another (Wanda) does not; the CX leader edits the
rules and uploads; those who run an open review put a theme on its agenda."""

from django.utils import timezone

from .harness import Route, api_expect, expect

READ_ALL = expect(200)
READ_ONLY = expect(405)
TRIAGERS = expect(403, cx_leader=302, head_own=302)
TRIAGERS_READ = expect(403, cx_leader=200, head_own=200)


def own_item(w):
    return {"pk": w.fb_item.pk}


def _csv_upload(w):
    from django.core.files.uploadedfile import SimpleUploadedFile

    body = (
        "source,external_id,received_at,text,topic\n"
        f"survey,M-9,{timezone.now().date().isoformat()},Call me on 612 345 678,self_service\n"
    )
    return {"file": SimpleUploadedFile("items.csv", body.encode(), content_type="text/csv")}


def _one_item(w):
    return {
        "source": "survey",
        "external_id": "API-1",
        "received_at": timezone.now().isoformat(),
        "text": "The app crashed at checkout",
        "topic": "app",
    }


def _rule_data(w):
    return {
        "name": "Billing",
        "topic": "billing",
        "departments": [w.service.pk],
        "active": "on",
        "version": 1,
    }


ROUTES = [
    Route("feedback:inbox", read=READ_ALL, write=READ_ONLY),
    # Wanda may bulk-acknowledge, but nothing selected is routed to her: nothing changes.
    Route(
        "feedback:bulk",
        read=READ_ONLY,
        write=expect(403, cx_leader=302, head_own=302, head_other=302),
        data=lambda w: {"action": "acknowledge", "items": [w.fb_item.pk], "note": "seen"},
        unchanged=("head_other",),
    ),
    Route(
        "feedback:upload", read=expect(403, cx_leader=200), write=expect(403, cx_leader=200), data=_csv_upload
    ),
    Route("feedback:item-detail", read=READ_ALL, write=READ_ONLY, kwargs=own_item),
    Route(
        "feedback:item-acknowledge",
        read=TRIAGERS_READ,
        write=TRIAGERS,
        kwargs=own_item,
        data=lambda w: {"department": w.service.pk, "note": "On it"},
    ),
    Route(
        "feedback:item-decline",
        read=TRIAGERS_READ,
        write=TRIAGERS,
        kwargs=own_item,
        data=lambda w: {"department": w.service.pk, "reason": "Not ours"},
    ),
    Route(
        "feedback:item-route",
        read=expect(403, cx_leader=200),
        write=expect(403, cx_leader=302),
        kwargs=own_item,
        data=lambda w: {"departments": [w.website.pk]},
    ),
    Route(
        "feedback:item-close",
        read=TRIAGERS_READ,
        write=TRIAGERS,
        kwargs=own_item,
        data=lambda w: {"reason": "customer_informed", "told": "Fixed in 4.2"},
    ),
    Route("feedback:item-reopen", read=READ_ONLY, write=TRIAGERS, kwargs=lambda w: {"pk": w.fb_closed.pk}),
    Route("feedback:item-handled", read=READ_ONLY, write=expect(403, cx_leader=302), kwargs=own_item),
    Route(
        "feedback:item-duplicate",
        read=READ_ONLY,
        write=TRIAGERS,
        kwargs=lambda w: {"pk": w.fb_duplicate.pk},
        data=lambda w: {"merge": "0"},
    ),
    Route("feedback:rule-list", read=READ_ALL, write=READ_ONLY),
    Route(
        "feedback:rule-create",
        read=expect(403, cx_leader=200),
        write=expect(403, cx_leader=302),
        data=_rule_data,
    ),
    Route(
        "feedback:rule-edit",
        read=expect(403, cx_leader=200),
        write=expect(403, cx_leader=302),
        kwargs=lambda w: {"pk": w.fb_rule.pk},
        data=lambda w: {**_rule_data(w), "name": "Self-service, all", "version": w.fb_rule.version},
    ),
    Route("feedback:theme-list", read=READ_ALL, write=READ_ONLY),
    Route(
        "feedback:theme-detail", read=READ_ALL, write=READ_ONLY, kwargs=lambda w: {"topic": "self_service"}
    ),
    Route(
        "feedback:theme-agenda",
        read=READ_ONLY,
        write=expect(403, cx_leader=302, chair=302, secretary=302),
        kwargs=lambda w: {"topic": "self_service"},
        data=lambda w: {"review": w.review_open.pk},
    ),
    Route(
        "feedback:plan-tell",
        read=TRIAGERS_READ,
        write=TRIAGERS,
        kwargs=lambda w: {"pk": w.plan_done.pk},
        data=lambda w: {"told": "We fixed the log-out bug"},
    ),
    # API
    Route(
        "api:feedback-list",
        read=api_expect(200),
        write=api_expect(403, cx_leader=201, system=201),
        api=True,
        json=True,
        data=_one_item,
    ),
    Route(
        "api:feedback-detail",
        read=api_expect(200),
        write=api_expect(403, cx_leader=405, system=405),
        api=True,
        json=True,
        kwargs=own_item,
        data=_one_item,
    ),
    Route(
        "api:feedback-bulk",
        read=api_expect(405, system=403),
        write=api_expect(403, cx_leader=201, system=201),
        api=True,
        json=True,
        data=lambda w: [_one_item(w)],
    ),
]
