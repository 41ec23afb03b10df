"""Driver evidence (DESIGN §4 item 13), worked by hand, plus a coverage property."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from apps.metrics.evidence.arithmetic import (
    CANNOT_SEPARATE,
    CONTRADICTED,
    DEPARTMENT,
    INCONCLUSIVE,
    NOT_ENOUGH_DATA,
    NOT_MONTHLY,
    OPPOSITE,
    ORG,
    ORGANISATION,
    SUPPORTED,
    Child,
    Node,
    driver_evidence,
    verdict,
)

TODAY = date(2026, 7, 15)  # closed months: up to June 2026
MONTHS = [date(2026, m, 1) for m in range(1, 7)]
T6 = 2.4469118511449692  # t(0.975, 6)
T5 = 2.5705818356363146  # t(0.975, 5)


def mean(code, **kw):
    return Node(code, "mean", "monthly", **kw)


def child(code, impact, aggregation="mean", frequency="monthly"):
    return Child(code, aggregation, frequency, impact)


def cells(scope, values, months=MONTHS):
    return {(scope, month): value for month, value in zip(months, values, strict=False)}


# The two-child case. Within each department (A, B; five months each):
#   c̃1 = [-2, -1, 0, 1, 2]   c̃2 = [1, -1, 0, -1, 1]   (orthogonal, each sums to 0)
#   p̃  = 2 c̃1 + 3 c̃2 + e, e = ±[1, -2, 0, 2, -1]     (orthogonal to both, sums to 0)
# A: c1 = 10 + c̃1, c2 = 5 + c̃2, p = 100 + p̃ = [100, 93, 100, 101, 106]
# B: c1 = 20 + c̃1, c2 = 7 + c̃2, e negated, p = 200 + p̃ = [198, 197, 200, 197, 208]
D1 = [-2, -1, 0, 1, 2]
D2 = [1, -1, 0, -1, 1]


def two_child_actuals():
    return {
        "P": {**cells("A", [100, 93, 100, 101, 106]), **cells("B", [198, 197, 200, 197, 208])},
        "C1": {**cells("A", [10 + d for d in D1]), **cells("B", [20 + d for d in D1])},
        "C2": {**cells("A", [5 + d for d in D2]), **cells("B", [7 + d for d in D2])},
    }


def test_two_children_pooled_over_departments_solved_by_hand():
    # X̃ᵀX̃ = diag(Σc̃1², Σc̃2²) = diag(2×10, 2×4) = diag(20, 8); X̃ᵀp̃ = (2×20, 3×8) = (40, 24)
    # b = (2, 3); RSS = Σe² = 20; n = 10, k = 2, G = 2 → df = 6, σ² = 20/6
    # se1 = sqrt(20/6 / 20) = sqrt(1/6), se2 = sqrt(20/6 / 8) = sqrt(5/12)
    # Σp̃² = 4×20 + 9×8 + 20 = 172 → R² = 1 − 20/172
    c1, c2 = driver_evidence(mean("P"), [child("C1", 2.5), child("C2", 1.0)], two_child_actuals(), TODAY)
    assert (c1.observations, c1.groups, c1.scope_kind) == (10, 2, DEPARTMENT)
    assert c1.estimate == pytest.approx(2, abs=1e-12)
    assert c2.estimate == pytest.approx(3, abs=1e-12)
    assert c1.std_error == pytest.approx((1 / 6) ** 0.5, rel=1e-12)
    assert c2.std_error == pytest.approx((5 / 12) ** 0.5, rel=1e-12)
    assert c1.interval_low == pytest.approx(2 - T6 * (1 / 6) ** 0.5, rel=1e-12)  # 1.00105
    assert c1.interval_high == pytest.approx(2 + T6 * (1 / 6) ** 0.5, rel=1e-12)  # 2.99895
    assert c2.interval_low == pytest.approx(3 - T6 * (5 / 12) ** 0.5, rel=1e-12)  # 1.42051
    assert c2.interval_high == pytest.approx(3 + T6 * (5 / 12) ** 0.5, rel=1e-12)  # 4.57949
    assert c1.r_squared == c2.r_squared == pytest.approx(1 - 20 / 172, rel=1e-12)
    assert c1.verdict == SUPPORTED  # 2.5 in [1.001, 2.999]
    assert c2.verdict == CONTRADICTED  # 1.0 below 1.42051, same side of 0


def test_a_stated_impact_of_the_other_sign_is_opposite():
    c1, c2 = driver_evidence(mean("P"), [child("C1", -0.5), child("C2", 3.0)], two_child_actuals(), TODAY)
    assert c1.verdict == OPPOSITE  # whole interval [1.001, 2.999] is above 0
    assert c2.verdict == SUPPORTED  # 3.0 is the estimate itself


def test_months_from_the_one_containing_today_on_are_left_out():
    actuals = two_child_actuals()
    for code, value in (("P", 1e6), ("C1", 3.0), ("C2", -7.0)):
        actuals[code][("A", date(2026, 7, 1))] = value  # July: open (today is 15 July)
        actuals[code][("B", date(2026, 8, 1))] = value  # August: the future
    c1, _c2 = driver_evidence(mean("P"), [child("C1", 2.5), child("C2", 1.0)], actuals, TODAY)
    assert c1.observations == 10
    assert c1.estimate == pytest.approx(2, abs=1e-12)


def test_a_department_with_a_single_cell_is_left_out():
    actuals = two_child_actuals()
    for code, value in (("P", 500.0), ("C1", 99.0), ("C2", -40.0)):
        actuals[code][("C", MONTHS[0])] = value  # department C: one cell only
    c1, c2 = driver_evidence(mean("P"), [child("C1", 2.5), child("C2", 1.0)], actuals, TODAY)
    # Had C been a group of its own it would add one cell and one group (demeaned to 0,
    # df unchanged) — but left out, n and G are the hand-worked case's.
    assert (c1.observations, c1.groups, c1.scope_kind) == (10, 2, DEPARTMENT)
    assert c2.interval_low == pytest.approx(3 - T6 * (5 / 12) ** 0.5, rel=1e-12)


def test_leaving_a_single_cell_department_out_can_leave_one_department_and_org_months():
    # A has 8 cells, C has 1: after C is left out, one department → organisation months.
    months = [date(2026, m, 1) for m in range(1, 9)]
    today = date(2026, 9, 2)
    x = [1, 2, 3, 4, 5, 6, 7, 8]
    e = [1, -1, -1, 1, 1, -1, -1, 1]
    actuals = {
        "P": {**cells("A", [v * 5 for v in x], months), ("C", months[0]): 1.0},
        "C1": {**cells("A", x, months), ("C", months[0]): 2.0},
    }
    actuals["P"].update(cells(ORG, [10 + 2 * v + err for v, err in zip(x, e, strict=True)], months))
    actuals["C1"].update(cells(ORG, x, months))
    (only,) = driver_evidence(mean("P"), [child("C1", 2.0)], actuals, today)
    assert (only.scope_kind, only.observations, only.groups) == (ORGANISATION, 8, 1)
    assert only.estimate == pytest.approx(2, abs=1e-12)  # not the departments' 5


# Organisation months, one child, eight months:
#   c = 1…8, c̃ = [-3.5 … 3.5], Σc̃² = 42; p = 10 + 2c + e, e = [1,-1,-1,1,1,-1,-1,1] ⟂ c̃
#   b = 2, RSS = 8, n = 8, k = 1, G = 1 → df = 6, σ² = 8/6, se = sqrt(8/6 / 42)
#   Σp̃² = 4×42 + 8 = 176 → R² = 1 − 8/176
ORG_MONTHS = [date(2026, m, 1) for m in range(1, 9)]
ORG_TODAY = date(2026, 9, 2)
X = [1, 2, 3, 4, 5, 6, 7, 8]
E = [1, -1, -1, 1, 1, -1, -1, 1]


def org_actuals():
    return {
        "P": cells(ORG, [10 + 2 * x + e for x, e in zip(X, E, strict=True)], ORG_MONTHS),
        "C1": cells(ORG, X, ORG_MONTHS),
    }


def assert_the_organisation_case(evidence):
    se = (8 / 6 / 42) ** 0.5
    assert (evidence.scope_kind, evidence.observations, evidence.groups) == (ORGANISATION, 8, 1)
    assert evidence.estimate == pytest.approx(2, abs=1e-12)
    assert evidence.std_error == pytest.approx(se, rel=1e-12)
    assert evidence.interval_low == pytest.approx(2 - T6 * se, rel=1e-12)  # 1.56402
    assert evidence.interval_high == pytest.approx(2 + T6 * se, rel=1e-12)  # 2.43598
    assert evidence.r_squared == pytest.approx(1 - 8 / 176, rel=1e-12)


def test_too_few_department_cells_fall_back_to_organisation_months():
    actuals = org_actuals()
    # Two departments with three months each: 6 cells < k + 6 = 7.
    for dept, base in (("A", 0), ("B", 50)):
        actuals["P"].update(cells(dept, [base + 1, base + 9, base + 4], ORG_MONTHS))
        actuals["C1"].update(cells(dept, [3, 1, 2], ORG_MONTHS))
    (only,) = driver_evidence(mean("P"), [child("C1", 2.2)], actuals, ORG_TODAY)
    assert_the_organisation_case(only)
    assert only.verdict == SUPPORTED


def test_cells_from_one_department_fall_back_to_organisation_months():
    actuals = org_actuals()
    actuals["P"].update(cells("A", [3 * x for x in X], ORG_MONTHS))  # 8 cells, one department
    actuals["C1"].update(cells("A", X, ORG_MONTHS))
    (only,) = driver_evidence(mean("P"), [child("C1", 2.2)], actuals, ORG_TODAY)
    assert_the_organisation_case(only)


def test_a_sum_parent_with_a_mean_child_uses_organisation_months_never_departments():
    actuals = org_actuals()
    # Plenty of department cells (2 × 8) that would give a slope of 7 if pooled.
    for dept, base in (("A", 0), ("B", 100)):
        actuals["P"].update(cells(dept, [base + 7 * x for x in X], ORG_MONTHS))
        actuals["C1"].update(cells(dept, X, ORG_MONTHS))
    parent = Node("P", "sum", "monthly")
    (only,) = driver_evidence(parent, [child("C1", 2.0, aggregation="mean")], actuals, ORG_TODAY)
    assert_the_organisation_case(only)
    # Same data, all `sum`: pooled departments, slope 7, contradicted.
    (pooled,) = driver_evidence(parent, [child("C1", 2.0, aggregation="sum")], actuals, ORG_TODAY)
    assert (pooled.scope_kind, pooled.observations, pooled.groups) == (DEPARTMENT, 16, 2)
    assert pooled.estimate == pytest.approx(7, abs=1e-9)


def test_last_metrics_are_never_pooled():
    actuals = org_actuals()
    for dept in ("A", "B"):
        actuals["P"].update(cells(dept, [7 * x for x in X], ORG_MONTHS))
        actuals["C1"].update(cells(dept, X, ORG_MONTHS))
    (only,) = driver_evidence(
        Node("P", "last", "monthly"), [child("C1", 2.0, aggregation="last")], actuals, ORG_TODAY
    )
    assert_the_organisation_case(only)


def test_fewer_than_k_plus_6_organisation_months_is_not_enough_data():
    actuals = org_actuals()
    for code in ("P", "C1"):
        del actuals[code][(ORG, ORG_MONTHS[0])]
        del actuals[code][(ORG, ORG_MONTHS[1])]
    actuals["C1"].pop((ORG, ORG_MONTHS[2]))  # a month where only the parent has an actual
    (only,) = driver_evidence(mean("P"), [child("C1", 2.0)], actuals, ORG_TODAY)
    assert only.verdict == NOT_ENOUGH_DATA
    assert (only.observations, only.groups, only.scope_kind) == (5, 1, ORGANISATION)
    assert only.estimate is only.interval_low is only.r_squared is None


def test_a_quarterly_child_is_not_monthly_and_k_counts_the_others():
    # Seven months: enough for k = 1 (7 ≥ 7) but it would not be for k = 2.
    actuals = org_actuals()
    for code in ("P", "C1"):
        del actuals[code][(ORG, ORG_MONTHS[7])]
    actuals["NPS"] = {(ORG, date(2026, 1, 1)): 40.0, (ORG, date(2026, 4, 1)): 45.0}
    monthly, quarterly = driver_evidence(
        mean("P"), [child("C1", 2.0), child("NPS", 1.0, frequency="quarterly")], actuals, ORG_TODAY
    )
    assert quarterly.verdict == NOT_MONTHLY
    assert (quarterly.observations, quarterly.scope_kind, quarterly.estimate) == (0, None, None)
    # c = 1…7, c̃ = [-3 … 3], Σc̃² = 28; e = [1,-1,-1,1,1,-1,-1] has mean -1/7, so within the
    # group ẽ = e + 1/7: Σẽ·c̃ = Σe·c̃ = -3+2+1+0+1-2-3 = -4 → b = 2 - 4/28 = 13/7
    assert monthly.observations == 7
    assert monthly.estimate == pytest.approx(13 / 7, rel=1e-12)
    # RSS = Σẽ² − (Σẽc̃)²/Σc̃² = (7 − 1/7) − 16/28 = 44/7; df = 7 − 1 − 1 = 5
    se = (44 / 7 / 5 / 28) ** 0.5
    assert monthly.std_error == pytest.approx(se, rel=1e-12)
    assert monthly.interval_high == pytest.approx(13 / 7 + T5 * se, rel=1e-12)


def test_only_children_measured_less_often_than_monthly_give_only_not_monthly():
    evidence = driver_evidence(
        mean("P"), [child("NPS", 1.0, frequency="quarterly"), child("Y", 1.0, frequency="yearly")], {}, TODAY
    )
    assert [e.verdict for e in evidence] == [NOT_MONTHLY, NOT_MONTHLY]


def test_a_child_that_does_not_move_cannot_be_separated():
    actuals = two_child_actuals()
    # 0.1 does not average to exactly 0.1 in floating point: the constant must still be 0.
    actuals["C2"] = dict.fromkeys(actuals["C2"], 0.1)
    evidence = driver_evidence(mean("P"), [child("C1", 2.0), child("C2", 1.0)], actuals, TODAY)
    assert [e.verdict for e in evidence] == [CANNOT_SEPARATE, CANNOT_SEPARATE]
    assert (evidence[0].observations, evidence[0].groups, evidence[0].scope_kind) == (10, 2, DEPARTMENT)
    assert evidence[0].estimate is None


def test_a_single_constant_child_cannot_be_separated():
    actuals = org_actuals()
    actuals["C1"] = dict.fromkeys(actuals["C1"], 0.1)
    (only,) = driver_evidence(mean("P"), [child("C1", 2.0)], actuals, ORG_TODAY)
    assert only.verdict == CANNOT_SEPARATE


def test_a_child_constant_within_each_department_cannot_be_separated_and_org_months_are_not_tried():
    actuals = two_child_actuals()
    actuals["C2"] = {(dept, month): {"A": 5.0, "B": 7.0}[dept] for dept, month in actuals["C2"]}
    # Eight organisation months on which both children move and could be separated:
    months = [date(2025, 11, 1), date(2025, 12, 1), *MONTHS]
    for code, values in (("P", [1, 5, 2, 8, 3, 9, 4, 7]), ("C1", X), ("C2", [6, 1, 5, 2, 4, 3, 9, 1])):
        actuals[code].update(cells(ORG, values, months))
    evidence = driver_evidence(mean("P"), [child("C1", 2.0), child("C2", 1.0)], actuals, TODAY)
    assert [(e.verdict, e.scope_kind) for e in evidence] == [(CANNOT_SEPARATE, DEPARTMENT)] * 2


def test_two_children_that_move_together_cannot_be_separated():
    actuals = two_child_actuals()
    actuals["C2"] = {key: 3 * value + 1 for key, value in actuals["C1"].items()}
    evidence = driver_evidence(mean("P"), [child("C1", 2.0), child("C2", 1.0)], actuals, TODAY)
    assert [e.verdict for e in evidence] == [CANNOT_SEPARATE, CANNOT_SEPARATE]


def test_more_children_and_groups_than_cells_allow_cannot_be_separated():
    # k = 8, seven departments of two months: n = 14 ≥ k + 6, but n − k − G = 14 − 8 − 7 < 1.
    rng = np.random.default_rng(7)
    codes = [f"C{i}" for i in range(8)]
    actuals = {code: {} for code in ["P", *codes]}
    for dept in "ABCDEFG":
        for month in MONTHS[:2]:
            for code in actuals:
                actuals[code][(dept, month)] = float(rng.normal())
    evidence = driver_evidence(mean("P"), [child(code, 1.0) for code in codes], actuals, TODAY)
    assert {(e.verdict, e.observations, e.groups) for e in evidence} == {(CANNOT_SEPARATE, 14, 7)}


def test_r_squared_is_none_when_the_parent_does_not_move_within_its_groups():
    actuals = two_child_actuals()
    actuals["P"] = {(dept, month): {"A": 0.1, "B": 0.7}[dept] for dept, month in actuals["P"]}
    c1, c2 = driver_evidence(mean("P"), [child("C1", 0.0), child("C2", 1.0)], actuals, TODAY)
    assert c1.r_squared is None
    assert c1.estimate == 0 and c1.std_error == 0
    assert c1.verdict == INCONCLUSIVE  # [0, 0] contains the stated 0 and 0
    assert c2.verdict == CONTRADICTED  # 1 is outside [0, 0], and 0 is not "the other side"


@pytest.mark.parametrize(
    ("impact", "low", "high", "expected"),
    [
        (2.0, 1.0, 3.0, SUPPORTED),
        (1.0, 1.0, 3.0, SUPPORTED),  # bounds included
        (3.0, 1.0, 3.0, SUPPORTED),
        (-2.0, -3.0, -1.0, SUPPORTED),
        (0.5, -1.0, 3.0, INCONCLUSIVE),  # contains the impact and 0
        (0.5, 0.0, 3.0, INCONCLUSIVE),  # 0 on the bound counts as contained
        (5.0, 1.0, 3.0, CONTRADICTED),  # same side, outside
        (0.5, 1.0, 3.0, CONTRADICTED),
        (5.0, -1.0, 3.0, CONTRADICTED),  # contains 0 but not the impact: not "opposite"
        (-2.0, 1.0, 3.0, OPPOSITE),  # strictly on the other side of 0
        (2.0, -3.0, -0.5, OPPOSITE),
        (2.0, -3.0, 0.0, CONTRADICTED),  # touches 0: not strictly on the other side
        (0.0, 1.0, 3.0, CONTRADICTED),  # a zero impact is never "opposite"
        (0.0, -1.0, 1.0, INCONCLUSIVE),
    ],
)
def test_verdicts(impact, low, high, expected):
    assert verdict(impact, low, high) == expected


def test_recovered_coefficients_fall_inside_their_95_percent_interval_in_about_95_percent_of_seeds():
    """Known coefficients (1.5, −0.8), department effects and N(0, 1) noise, three departments
    of twelve months: each coefficient should land in its interval ≈ 95 % of the time."""
    seeds = 300
    truth = {"C1": 1.5, "C2": -0.8}
    months = [date(2025, m, 1) for m in range(1, 13)]
    covered = dict.fromkeys(truth, 0)
    for seed in range(seeds):
        rng = np.random.default_rng(seed)
        actuals = {"P": {}, "C1": {}, "C2": {}}
        for dept in ("A", "B", "C"):
            effect = rng.normal(0, 20)
            for month in months:
                c1 = rng.normal(50, 5)
                c2 = 0.5 * c1 + rng.normal(10, 3)  # correlated children, still separable
                actuals["C1"][(dept, month)] = c1
                actuals["C2"][(dept, month)] = c2
                actuals["P"][(dept, month)] = effect + truth["C1"] * c1 + truth["C2"] * c2 + rng.normal()
        evidence = driver_evidence(
            mean("P"), [child(code, impact) for code, impact in truth.items()], actuals, TODAY
        )
        for e in evidence:
            assert (e.scope_kind, e.observations, e.groups) == (DEPARTMENT, 36, 3)
            covered[e.child] += e.interval_low <= truth[e.child] <= e.interval_high
    for code, hits in covered.items():
        assert 0.85 <= hits / seeds <= 0.99, (code, hits)
