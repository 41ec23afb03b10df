"""Committees: everyone reads; the CX leader creates and edits committees; the CX leader,
the chair and the secretary run a review; a decision's owner updates its status; the CX
leader decides target proposals."""

from .harness import Route, api_expect, cx_only, expect

READ_ALL = expect(200)
READ_ONLY = expect(405)
RUNNERS = expect(403, cx_leader=302, chair=302, secretary=302)


def _committee_data(w):
    return {
        "name": "New group",
        "kind": "working_group",
        "chair": w.chad.pk,
        "cadence": "monthly",
        "version": 1,
    }


def open_review(w):
    return {"pk": w.review_open.pk}


ROUTES = [
    Route("committees:committee-list", read=READ_ALL, write=READ_ONLY),
    Route(
        "committees:committee-detail", read=READ_ALL, write=READ_ONLY, kwargs=lambda w: {"pk": w.committee.pk}
    ),
    Route("committees:committee-create", read=cx_only(200), write=cx_only(302), data=_committee_data),
    Route(
        "committees:committee-edit",
        read=cx_only(200),
        write=cx_only(302),
        kwargs=lambda w: {"pk": w.committee.pk},
        data=lambda w: {**_committee_data(w), "name": "Renamed", "version": w.committee.version},
    ),
    Route(
        "committees:review-schedule",
        read=READ_ONLY,
        write=RUNNERS,
        kwargs=lambda w: {"pk": w.committee.pk},
        data=lambda w: {"scheduled_for": "2025-07-01"},
    ),
    Route("committees:review-detail", read=READ_ALL, write=READ_ONLY, kwargs=open_review),
    Route(
        "committees:review-open",
        read=READ_ONLY,
        write=RUNNERS,
        kwargs=lambda w: {"pk": w.review_scheduled.pk},
    ),
    Route(
        "committees:item-add",
        read=READ_ONLY,
        write=RUNNERS,
        kwargs=open_review,
        data=lambda w: {"title": "Any other business"},
    ),
    Route(
        "committees:attendance",
        read=READ_ONLY,
        write=RUNNERS,
        kwargs=open_review,
        data=lambda w: {"attendees": [w.chad.pk, w.mia.pk]},
    ),
    Route("committees:review-close", read=READ_ONLY, write=RUNNERS, kwargs=open_review),
    Route("committees:minutes", read=READ_ALL, write=READ_ONLY, kwargs=lambda w: {"pk": w.review_closed.pk}),
    Route(
        "committees:minutes-pdf", read=READ_ALL, write=READ_ONLY, kwargs=lambda w: {"pk": w.review_closed.pk}
    ),
    Route("committees:item-remove", read=READ_ONLY, write=RUNNERS, kwargs=lambda w: {"pk": w.item_spare.pk}),
    Route(
        "committees:item-move",
        read=READ_ONLY,
        write=RUNNERS,
        kwargs=lambda w: {"pk": w.item_spare.pk},
        data=lambda w: {"direction": "up"},
    ),
    Route(
        "committees:note-add",
        read=READ_ONLY,
        write=RUNNERS,
        kwargs=lambda w: {"pk": w.item.pk},
        data=lambda w: {"text": "Noted."},
    ),
    Route(
        "committees:decision-add",
        read=READ_ONLY,
        write=RUNNERS,
        kwargs=lambda w: {"pk": w.item.pk},
        data=lambda w: {"kind": "note", "text": "Keep watching."},
    ),
    # The decision belongs to Mia (a member): she updates its status, like those who run the review.
    Route(
        "committees:decision-status",
        read=READ_ONLY,
        write=expect(403, cx_leader=302, chair=302, secretary=302, member=302),
        kwargs=lambda w: {"pk": w.decision.pk},
        data=lambda w: {"status": "done", "version": w.decision.version},
    ),
    # After close only the decision's owner changes its status (DESIGN §3, §6): not the chair,
    # the secretary or the CX leader.
    Route(
        "committees:decision-status",
        read=READ_ONLY,
        write=expect(403, member=302),
        kwargs=lambda w: {"pk": w.decision_closed.pk},
        data=lambda w: {"status": "done", "version": w.decision_closed.version},
    ),
    Route("committees:decision-list", read=READ_ALL, write=READ_ONLY),
    Route("committees:proposal-list", read=READ_ALL, write=READ_ONLY),
    Route(
        "committees:proposal-detail",
        read=READ_ALL,
        write=cx_only(302),
        kwargs=lambda w: {"pk": w.proposal.pk},
        data=lambda w: {"decision": "reject", "version": w.proposal.version, "note": "Not now"},
    ),
    Route(
        "api:committee-list",
        read=api_expect(200),
        write=api_expect(403),
        api=True,
        json=True,
        data=lambda w: {"name": "x"},
    ),
    Route(
        "api:committee-detail",
        read=api_expect(200),
        write=api_expect(403),
        api=True,
        json=True,
        write_method="patch",
        kwargs=lambda w: {"pk": w.committee.pk},
        data=lambda w: {"name": "x"},
    ),
    Route(
        "api:review-list",
        read=api_expect(200),
        write=api_expect(403),
        api=True,
        json=True,
        data=lambda w: {"status": "closed"},
    ),
    Route(
        "api:review-detail",
        read=api_expect(200),
        write=api_expect(403),
        api=True,
        json=True,
        write_method="patch",
        kwargs=open_review,
        data=lambda w: {"status": "closed"},
    ),
    # A decision's status through the API, as on the review page: its owner (Mia), and before
    # close those who run the review.
    Route(
        "api:decision-detail",
        read=api_expect(200),
        write=api_expect(403, cx_leader=200, chair=200, secretary=200, member=200),
        api=True,
        json=True,
        write_method="patch",
        kwargs=lambda w: {"pk": w.decision.pk},
        data=lambda w: {"status": "done", "version": w.decision.version},
    ),
    Route(
        "api:decision-detail",
        read=api_expect(200),
        write=api_expect(403, member=200),
        api=True,
        json=True,
        write_method="patch",
        kwargs=lambda w: {"pk": w.decision_closed.pk},
        data=lambda w: {"status": "done", "version": w.decision_closed.version},
    ),
]
