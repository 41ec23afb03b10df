"""Action plans: everyone reads; the CX leader and the head of the plan's department
edit; a contributor ticks off and comments on the milestones they own."""

from .harness import Route, api_expect, expect

READ_ALL = expect(200)
READ_ONLY = expect(405)
PLAN_EDITORS = expect(403, cx_leader=302, head_own=302)


def _plan_data(w):
    return {
        "title": "New plan",
        "owner_department": w.service.pk,
        "status": "draft",
        "effort": "M",
        "version": 1,
    }


def _plan_edit_data(w):
    return {
        **_plan_data(w),
        "title": "Shorter calls, faster",
        "status": "active",
        "version": w.plan_own.version,
    }


def own_plan(w):
    return {"pk": w.plan_own.pk}


def own_milestone(w):
    return {"pk": w.milestone_own.pk}


ROUTES = [
    Route("actions:plan-list", read=READ_ALL, write=READ_ONLY),
    Route("actions:plan-ranking", read=READ_ALL, write=READ_ONLY),
    Route("actions:matrix", read=READ_ALL, write=READ_ONLY),
    Route("actions:plan-detail", read=READ_ALL, write=READ_ONLY, kwargs=own_plan),
    # A head may only choose their own department: Wanda's form comes back refused.
    Route(
        "actions:plan-create",
        read=expect(403, cx_leader=200, head_own=200, head_other=200),
        write=expect(403, cx_leader=302, head_own=302, head_other=200),
        data=_plan_data,
        unchanged=("head_other",),
    ),
    Route(
        "actions:plan-edit",
        read=expect(403, cx_leader=200, head_own=200),
        write=PLAN_EDITORS,
        kwargs=own_plan,
        data=_plan_edit_data,
    ),
    Route(
        "actions:milestone-create",
        read=expect(403, cx_leader=200, head_own=200),
        write=PLAN_EDITORS,
        kwargs=own_plan,
        data=lambda w: {"title": "Train agents", "weight": 2, "version": 1},
    ),
    Route(
        "actions:progress-post",
        read=READ_ONLY,
        write=PLAN_EDITORS,
        kwargs=own_plan,
        data=lambda w: {"rag": "amber", "percent": 40, "text": "Hiring delayed"},
    ),
    Route(
        "actions:impact-add",
        read=READ_ONLY,
        write=PLAN_EDITORS,
        kwargs=own_plan,
        data=lambda w: {"metric": w.csat.pk, "expected_change": 0.5},
    ),
    Route(
        "actions:impact-remove", read=READ_ONLY, write=PLAN_EDITORS, kwargs=lambda w: {"pk": w.impact_own.pk}
    ),
    # Re-planning a milestone is the head's; its owner ticks it off and comments.
    Route(
        "actions:milestone-edit",
        read=expect(403, cx_leader=200, head_own=200),
        write=PLAN_EDITORS,
        kwargs=own_milestone,
        data=lambda w: {"title": "Script v2", "weight": 1, "version": w.milestone_own.version},
    ),
    Route(
        "actions:milestone-done",
        read=READ_ONLY,
        write=expect(403, cx_leader=302, head_own=302, contributor_own=302),
        kwargs=own_milestone,
        data=lambda w: {"version": w.milestone_own.version, "done": "1"},
    ),
    Route(
        "actions:milestone-comment",
        read=READ_ONLY,
        write=expect(403, cx_leader=302, head_own=302, contributor_own=302),
        kwargs=own_milestone,
        data=lambda w: {"text": "Draft shared"},
    ),
    Route(
        "api:plan-list",
        read=api_expect(200),
        write=api_expect(403, cx_leader=201, head_own=201),
        api=True,
        json=True,
        data=lambda w: {"title": "API plan", "owner_department": "SERVICE"},
    ),
    Route(
        "api:plan-detail",
        read=api_expect(200),
        write=api_expect(403, cx_leader=200, head_own=200),
        api=True,
        json=True,
        write_method="patch",
        kwargs=own_plan,
        data=lambda w: {"status": "at_risk", "version": w.plan_own.version},
    ),
    # A milestone through the API, as on the pages: its owner ticks it off; re-planning it is
    # for those who edit the plan.
    Route(
        "api:milestone-detail",
        read=api_expect(200),
        write=api_expect(403, cx_leader=200, head_own=200, contributor_own=200),
        api=True,
        json=True,
        write_method="patch",
        kwargs=own_milestone,
        data=lambda w: {"done": True, "version": w.milestone_own.version},
    ),
    Route(
        "api:milestone-detail",
        read=api_expect(200),
        write=api_expect(403, cx_leader=200, head_own=200),
        api=True,
        json=True,
        write_method="patch",
        kwargs=own_milestone,
        data=lambda w: {"title": "Script v3", "version": w.milestone_own.version},
    ),
]
