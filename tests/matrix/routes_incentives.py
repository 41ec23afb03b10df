"""Bonus plans (DESIGN §6): the CX leader edits drafts and amends participants, executives
approve; both see every payout. A head or contributor sees the definition of plans they
take part in and only their own scorecard and statement. Approved and closed plans refuse
every component write; closed plans every write.

In the world Hugo (head_own) and Cora (contributor_own) take part in every plan; Wanda,
Carl and the committee people do not. "Own" scorecard routes are Hugo's, then Cora's."""

from django.core.files.uploadedfile import SimpleUploadedFile

from apps.incentives.models import IncentivePlan, Participant, PlanComponent

from .harness import Route, api_expect, expect

READ_ONLY = expect(405)
API_READ_ONLY = api_expect(405)
NOBODY = expect(403)
API_NOBODY = api_expect(403)
CX = expect(403, cx_leader=200)
CX_WRITE = expect(403, cx_leader=302)
# Those who see a plan's definition: everyone who sees all payouts, and its participants.
PLAN_READERS = expect(403, cx_leader=200, executive=200, head_own=200, contributor_own=200)
HUGOS = expect(403, cx_leader=200, executive=200, head_own=200)
CORAS = expect(403, cx_leader=200, executive=200, contributor_own=200)


def version(model, pk):
    return model.objects.get(pk=pk).version


def plan_kw(name):
    return lambda w: {"pk": getattr(w, f"bonus_{name}").pk}


def participant_kw(attr):
    return lambda w: {"pk": getattr(w, attr).pk}


def component_kw(name):
    return lambda w: {"pk": getattr(w, f"component_{name}").pk}


def plan_version(name):
    return lambda w: {"version": version(IncentivePlan, getattr(w, f"bonus_{name}").pk)}


def component_data(w, name="draft"):
    component = getattr(w, f"component_{name}")
    return {
        "metric": w.csat.pk,
        "scope": "organisation",
        "weight": 3,
        "threshold": 60,
        "target": 80,
        "maximum": 95,
        "threshold_percent": 50,
        "target_percent": 100,
        "maximum_percent": 150,
        "version": version(PlanComponent, component.pk),
    }


def new_component(w):
    data = component_data(w)
    data.pop("version")
    # AHT is lower-is-better: the curve runs downwards.
    return {
        **data,
        "metric": w.aht.pk,
        "scope": "organisation",
        "threshold": 320,
        "target": 300,
        "maximum": 270,
    }


def new_participant(w):
    return {"person": w.carl.pk, "target_bonus": 5000, "cx_share": 10}


def hr_file(w):
    body = b"email,department,target_bonus,cx_share,from,to\ncarl@example.com,WEBSITE,4000,10,,\n"
    return {"file": SimpleUploadedFile("hr.csv", body, content_type="text/csv")}


def draft_terms(w):
    return {
        "department": w.service.pk,
        "target_bonus": 12_000,
        "cx_share": 25,
        "from_date": "2025-01-01",
        "to_date": "2025-12-31",
        "version": version(Participant, w.hugo_in_draft.pk),
    }


def amendment(attr):
    return lambda w: {
        "department": w.website.pk,
        "to_date": "2025-09-30",
        "version": version(Participant, getattr(w, attr).pk),
    }


def api_plan(w):
    return {
        "name": "API bonus",
        "period": "2026-Q1",
        "components": [
            {
                "metric": "CSAT",
                "scope": "organisation",
                "weight": 1,
                "threshold": 60,
                "target": 80,
                "maximum": 90,
            }
        ],
        "participants": [{"participant": "hugo@example.com", "target_bonus": 1000, "cx_share": 10}],
    }


ROUTES = [
    Route("incentives:plan-list", read=expect(200), write=READ_ONLY),
    Route(
        "incentives:plan-create",
        read=CX,
        write=CX_WRITE,
        data=lambda w: {"name": "New bonus", "period": "2026"},
    ),
    Route("incentives:plan-detail", read=PLAN_READERS, write=READ_ONLY, kwargs=plan_kw("draft")),
    Route("incentives:plan-detail", read=PLAN_READERS, write=READ_ONLY, kwargs=plan_kw("closed")),
    Route(
        "incentives:plan-edit",
        read=CX,
        write=CX_WRITE,
        kwargs=plan_kw("draft"),
        data=lambda w: {"name": "Renamed", "period": "2025", **plan_version("draft")(w)},
    ),
    Route(
        "incentives:plan-edit",
        read=NOBODY,
        write=NOBODY,
        kwargs=plan_kw("approved"),
        data=lambda w: {"name": "Renamed", "period": "2025", **plan_version("approved")(w)},
    ),
    Route(
        "incentives:plan-submit",
        read=READ_ONLY,
        write=CX_WRITE,
        kwargs=plan_kw("draft"),
        data=plan_version("draft"),
    ),
    Route(
        "incentives:plan-approve",
        read=READ_ONLY,
        write=expect(403, executive=302),
        kwargs=plan_kw("submitted"),
        data=plan_version("submitted"),
    ),
    # Not sent for approval: nobody approves it.
    Route(
        "incentives:plan-approve",
        read=READ_ONLY,
        write=NOBODY,
        kwargs=plan_kw("draft"),
        data=plan_version("draft"),
    ),
    Route(
        "incentives:plan-send-back",
        read=expect(403, executive=200),
        write=expect(403, executive=302),
        kwargs=plan_kw("submitted"),
        data=lambda w: {"reason": "Too generous"},
    ),
    Route(
        "incentives:plan-close",
        read=READ_ONLY,
        write=CX_WRITE,
        kwargs=plan_kw("approved"),
        data=plan_version("approved"),
    ),
    Route(
        "incentives:plan-close",
        read=READ_ONLY,
        write=NOBODY,
        kwargs=plan_kw("closed"),
        data=plan_version("closed"),
    ),
    # The CSV: everyone's rows for the CX leader and executives, the participant's own row
    # for a participant (tests/incentives/test_visibility.py checks the rows).
    Route("incentives:results-csv", read=PLAN_READERS, write=READ_ONLY, kwargs=plan_kw("draft")),
    Route("incentives:component-add", read=CX, write=CX_WRITE, kwargs=plan_kw("draft"), data=new_component),
    Route(
        "incentives:component-add", read=NOBODY, write=NOBODY, kwargs=plan_kw("approved"), data=new_component
    ),
    Route(
        "incentives:component-add", read=NOBODY, write=NOBODY, kwargs=plan_kw("closed"), data=new_component
    ),
    Route(
        "incentives:component-edit",
        read=CX,
        write=CX_WRITE,
        kwargs=component_kw("draft"),
        data=component_data,
    ),
    Route(
        "incentives:component-edit",
        read=NOBODY,
        write=NOBODY,
        kwargs=component_kw("approved"),
        data=lambda w: component_data(w, "approved"),
    ),
    Route(
        "incentives:component-edit",
        read=NOBODY,
        write=NOBODY,
        kwargs=component_kw("closed"),
        data=lambda w: component_data(w, "closed"),
    ),
    Route("incentives:component-remove", read=READ_ONLY, write=CX_WRITE, kwargs=component_kw("draft")),
    Route("incentives:component-remove", read=READ_ONLY, write=NOBODY, kwargs=component_kw("approved")),
    Route("incentives:component-remove", read=READ_ONLY, write=NOBODY, kwargs=component_kw("closed")),
    Route(
        "incentives:participant-add", read=CX, write=CX_WRITE, kwargs=plan_kw("draft"), data=new_participant
    ),
    # A join amendment.
    Route(
        "incentives:participant-add",
        read=CX,
        write=CX_WRITE,
        kwargs=plan_kw("approved"),
        data=new_participant,
    ),
    Route(
        "incentives:participant-add",
        read=NOBODY,
        write=NOBODY,
        kwargs=plan_kw("closed"),
        data=new_participant,
    ),
    Route("incentives:participants-import", read=CX, write=CX_WRITE, kwargs=plan_kw("draft"), data=hr_file),
    Route(
        "incentives:participants-import", read=NOBODY, write=NOBODY, kwargs=plan_kw("closed"), data=hr_file
    ),
    Route(
        "incentives:participant-edit",
        read=CX,
        write=CX_WRITE,
        kwargs=participant_kw("hugo_in_draft"),
        data=draft_terms,
    ),
    # Transfer and leave.
    Route(
        "incentives:participant-edit",
        read=CX,
        write=CX_WRITE,
        kwargs=participant_kw("hugo_in_approved"),
        data=amendment("hugo_in_approved"),
    ),
    Route(
        "incentives:participant-edit",
        read=NOBODY,
        write=NOBODY,
        kwargs=participant_kw("hugo_in_closed"),
        data=amendment("hugo_in_closed"),
    ),
    Route(
        "incentives:participant-remove",
        read=READ_ONLY,
        write=CX_WRITE,
        kwargs=participant_kw("cora_in_draft"),
    ),
    Route(
        "incentives:participant-remove",
        read=READ_ONLY,
        write=NOBODY,
        kwargs=participant_kw("cora_in_approved"),
    ),
    # Scorecards, what-if and statements: one's own only (a head does not see the people
    # of their department).
    Route("incentives:scorecard", read=HUGOS, write=READ_ONLY, kwargs=participant_kw("hugo_in_draft")),
    Route("incentives:scorecard", read=CORAS, write=READ_ONLY, kwargs=participant_kw("cora_in_draft")),
    Route("incentives:scorecard", read=CORAS, write=READ_ONLY, kwargs=participant_kw("cora_in_closed")),
    Route("incentives:what-if", read=HUGOS, write=READ_ONLY, kwargs=participant_kw("hugo_in_approved")),
    Route("incentives:what-if", read=CORAS, write=READ_ONLY, kwargs=participant_kw("cora_in_approved")),
    Route("incentives:statement-pdf", read=HUGOS, write=READ_ONLY, kwargs=participant_kw("hugo_in_closed")),
    Route("incentives:statement-pdf", read=CORAS, write=READ_ONLY, kwargs=participant_kw("cora_in_closed")),
    # API.
    Route(
        "api:incentive-plan-list",
        read=api_expect(200),
        write=api_expect(403, cx_leader=201),
        api=True,
        json=True,
        data=api_plan,
    ),
    Route(
        "api:incentive-plan-detail",
        read=api_expect(404, cx_leader=200, executive=200, head_own=200, contributor_own=200),
        write=api_expect(403, cx_leader=200),
        api=True,
        json=True,
        write_method="patch",
        kwargs=plan_kw("draft"),
        data=lambda w: {"name": "Renamed by API", **plan_version("draft")(w)},
    ),
    Route(
        "api:incentive-plan-detail",
        read=api_expect(404, cx_leader=200, executive=200, head_own=200, contributor_own=200),
        write=API_NOBODY,
        api=True,
        json=True,
        write_method="patch",
        kwargs=plan_kw("approved"),
        data=lambda w: {
            "components": [{"metric": "CSAT", "threshold": 1, "target": 2, "maximum": 3}],
            **plan_version("approved")(w),
        },
    ),
    Route(
        "api:incentive-plan-submit",
        read=API_READ_ONLY,
        write=api_expect(404, cx_leader=200, executive=403, head_own=403, contributor_own=403),
        api=True,
        json=True,
        kwargs=plan_kw("draft"),
        data=plan_version("draft"),
    ),
    Route(
        "api:incentive-plan-approve",
        read=API_READ_ONLY,
        write=api_expect(404, cx_leader=403, executive=200, head_own=403, contributor_own=403),
        api=True,
        json=True,
        kwargs=plan_kw("submitted"),
        data=plan_version("submitted"),
    ),
    Route(
        "api:incentive-plan-send-back",
        read=API_READ_ONLY,
        write=api_expect(404, cx_leader=403, executive=200, head_own=403, contributor_own=403),
        api=True,
        json=True,
        kwargs=plan_kw("submitted"),
        data=lambda w: {"reason": "Weights", **plan_version("submitted")(w)},
    ),
    Route(
        "api:incentive-plan-close",
        read=API_READ_ONLY,
        write=api_expect(404, cx_leader=200, executive=403, head_own=403, contributor_own=403),
        api=True,
        json=True,
        kwargs=plan_kw("approved"),
        data=plan_version("approved"),
    ),
    Route(
        "api:incentive-plan-close",
        read=API_READ_ONLY,
        write=api_expect(404, cx_leader=403, executive=403, head_own=403, contributor_own=403),
        api=True,
        json=True,
        kwargs=plan_kw("closed"),
        data=plan_version("closed"),
    ),
    Route("api:incentive-result-list", read=api_expect(200), write=API_READ_ONLY, api=True, json=True),
]
