"""?period= and ?scope= are read in one place (apps/metrics/scopes.py). A period that
cannot be computed (year 9999 has no successor, year 0 does not exist) is the ordinary
"not a period" error: 400 with a message on the API, the default period with a visible
message on pages — never a 500 (issue #15 item 5)."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from apps.metrics.engine.periods import Period
from apps.metrics.scopes import MAX_YEAR, MIN_YEAR, ORG_SCOPE, parse_period, parse_scope

OUT_OF_RANGE = ["9999-12", "9999", "9999-Q4", "9999-01", "0001-01", "0999"]


@pytest.mark.parametrize("text", OUT_OF_RANGE)
def test_a_period_out_of_range_is_the_ordinary_parse_error(text):
    with pytest.raises(ValidationError) as caught:
        parse_period(text)
    assert "period" in caught.value.message_dict


@pytest.mark.parametrize("text", [f"{MAX_YEAR}-12", f"{MAX_YEAR}-Q4", str(MAX_YEAR), f"{MIN_YEAR}-01"])
def test_the_edges_of_the_range_are_periods_a_page_can_step_from(text):
    period = parse_period(text)
    # What a page computes around its period: the next one, a year back, the end.
    period.next()
    back = period
    for _step in range(12):
        back = back.previous()
    assert period.end >= period.start


def test_empty_is_this_month_and_scopes_still_parse(p):
    assert parse_period("") == Period.containing("month", timezone.localdate())
    assert parse_period(" 2025-Q1 ") == Period("quarter", date(2025, 1, 1))
    assert parse_scope("org") is ORG_SCOPE
    assert parse_scope("dept:SERVICE").id == p.service.pk
    with pytest.raises(ValidationError):
        parse_scope("dept:NOPE")


@pytest.mark.parametrize("text", ["9999-12", "9999", "9999-Q4"])
@pytest.mark.parametrize(
    "endpoint", ["/api/v1/summary/", "/api/v1/snapshots/", "/api/v1/measurements/?metric=AHT&"]
)
def test_the_api_answers_400_with_a_message(api, p, hierarchy, endpoint, text):
    sep = "" if endpoint.endswith("&") else "?"
    response = api(p.alice_token).get(f"{endpoint}{sep}period={text}")
    assert response.status_code == 400, response.content
    assert text in response.json()["period"][0]


@pytest.mark.parametrize("text", ["9999-12", "9999", "9999-Q4", "0001-01", "nonsense"])
@pytest.mark.parametrize(
    "name, kwargs",
    [("home", {}), ("metrics:hierarchy", {}), ("metrics:metric-detail", {"code": "AHT"})],
)
def test_a_page_shows_its_default_period_and_says_it_did_not_understand(
    login, p, hierarchy, name, kwargs, text
):
    response = login(p.alice).get(reverse(name, kwargs=kwargs) + f"?period={text}")
    assert response.status_code == 200
    html = response.content.decode()
    last_closed = str(Period.containing("month", timezone.localdate()).previous())
    assert f"Period “{text}” not understood: showing {last_closed}." in html
    assert f'name="period" value="{last_closed}"' in html


def test_a_good_period_shows_no_such_message(login, p, hierarchy):
    html = login(p.alice).get(reverse("home") + "?period=2025-03").content.decode()
    assert "not understood" not in html
    assert 'name="period" value="2025-03"' in html


def test_the_message_is_in_spanish_for_a_spanish_reader(login, p, hierarchy):
    p.alice.language = "es"
    p.alice.save(update_fields=["language"])
    html = login(p.alice).get(reverse("home") + "?period=9999-12").content.decode()
    assert "no se entiende" in html
