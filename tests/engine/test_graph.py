"""Path impact, money tops and weights, cycles (DESIGN §4 item 7), worked by hand."""

from __future__ import annotations

import pytest

from apps.metrics.engine import (
    find_cycle,
    money_tops,
    money_weights,
    path_impacts,
    topological_order,
    validate_link,
)
from apps.metrics.engine.graph import path_impact
from tests.engine.builders import link, metric

# A diamond: A drives B and C, both drive D.
#   A → B impact 2, A → C impact 3, B → D impact 5, C → D impact 7
DIAMOND = [
    link("A", "B", impact=2),
    link("A", "C", impact=3),
    link("B", "D", impact=5),
    link("C", "D", impact=7, weight=3),
]


def test_path_impact_sums_the_products_over_every_path():
    pi = path_impacts(DIAMOND)
    # A → B → D: 2·5 = 10; A → C → D: 3·7 = 21; total 31
    assert path_impact(pi, "A", "D") == 31
    assert path_impact(pi, "A", "B") == 2
    assert path_impact(pi, "D", "D") == 1
    assert path_impact(pi, "D", "A") == 0  # links go upwards only


def test_money_weights_through_a_diamond():
    metrics = [metric("A"), metric("B"), metric("C"), metric("D", monetary=True)]
    assert money_tops(metrics, DIAMOND) == ["D"]
    assert money_weights(metrics, DIAMOND) == {"A": 31, "B": 5, "C": 7, "D": 1}


def test_two_money_tops_of_opposite_direction_add_gains_and_avoided_losses():
    # AHT → CSAT −0.05; CSAT → REVENUE 1000; CSAT → CHURNED_REV −200
    links = [
        link("AHT", "CSAT", impact=-0.05),
        link("CSAT", "REVENUE", impact=1000),
        link("CSAT", "CHURNED_REV", impact=-200),
    ]
    metrics = [
        metric("AHT", direction="lower_is_better"),
        metric("CSAT"),
        metric("REVENUE", aggregation="sum", monetary=True),
        metric("CHURNED_REV", aggregation="sum", direction="lower_is_better", monetary=True),
        metric("UNLINKED"),
    ]
    weights = money_weights(metrics, links)
    # mw(CSAT) = (+1)·1000 + (−1)·(−200) = 1200
    assert weights["CSAT"] == pytest.approx(1200)
    # mw(AHT) = (+1)·(−0.05·1000) + (−1)·(−0.05·−200) = −50 − 10 = −60
    assert weights["AHT"] == pytest.approx(-60)
    assert weights["REVENUE"] == 1
    assert weights["CHURNED_REV"] == -1
    assert weights["UNLINKED"] == 0


def test_a_monetary_metric_under_another_is_not_a_money_top():
    metrics = [
        metric("WEB_SALES", aggregation="sum", monetary=True),
        metric("REVENUE", aggregation="sum", monetary=True),
    ]
    links = [link("WEB_SALES", "REVENUE", impact=1)]
    assert money_tops(metrics, links) == ["REVENUE"]
    assert money_weights(metrics, links) == {"WEB_SALES": 1, "REVENUE": 1}


def test_a_link_that_would_close_a_cycle_is_refused_naming_it():
    chain = [link("A", "B"), link("B", "C")]
    assert find_cycle(chain, link("C", "A")) == ["C", "A", "B", "C"]
    assert find_cycle(chain, link("A", "A")) == ["A", "A"]
    assert find_cycle(chain, link("A", "C")) is None
    assert find_cycle(DIAMOND, link("D", "A")) in (["D", "A", "B", "D"], ["D", "A", "C", "D"])
    errors = validate_link(chain, link("C", "A"))
    assert errors == ["this link would close the cycle C → A → B → C"]


def test_link_validation_refuses_non_positive_weight_and_duplicates():
    assert validate_link(DIAMOND, link("A", "D", weight=0)) == ["weight must be greater than 0"]
    assert validate_link(DIAMOND, link("A", "B")) == ["A already drives B"]
    assert validate_link(DIAMOND, link("A", "D")) == []


def test_topological_order_puts_children_first_and_refuses_cycles():
    assert topological_order("ABCD", DIAMOND) == ["A", "B", "C", "D"]
    with pytest.raises(ValueError, match="cycle"):
        topological_order("AB", [link("A", "B"), link("B", "A")])
