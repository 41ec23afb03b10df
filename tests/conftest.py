from dataclasses import dataclass
from datetime import date

import pytest
from django.conf import settings
from hypothesis import settings as hypothesis_settings

from apps.metrics import services as metric_services
from apps.metrics.models import Metric
from tests.personas import make_personas

# Properties explore the same examples on every run: a red CI run can always be replayed.
hypothesis_settings.register_profile("portal", derandomize=True)
hypothesis_settings.load_profile("portal")


def pytest_collection_modifyitems(config, items):
    """`@pytest.mark.postgres` tests are skipped on SQLite (DATABASE_URL=sqlite:///…), and only
    there: on PostgreSQL, the real target, every test runs."""
    if "postgresql" in settings.DATABASES["default"]["ENGINE"]:
        return
    skip = pytest.mark.skip(reason="PostgreSQL only (this run is on SQLite)")
    for item in items:
        if item.get_closest_marker("postgres"):
            item.add_marker(skip)


@pytest.fixture
def personas(db):
    return make_personas()


@pytest.fixture
def p(personas):
    """Short alias: p.alice, p.hugo, p.service ..."""
    return personas


@pytest.fixture
def login(client):
    """login(user) signs the test client in as that user and returns it."""

    def _login(user):
        client.force_login(user)
        return client

    return _login


@pytest.fixture
def api(db):
    """api(token) returns an APIClient authenticated with that raw token (or anonymous)."""
    from rest_framework.test import APIClient

    def _api(token=None):
        client = APIClient()
        if token:
            client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        return client

    return _api


@dataclass
class Hierarchy:
    aht: Metric
    csat: Metric
    web_err: Metric
    revenue: Metric
    nps: Metric


@pytest.fixture
def hierarchy(p):
    """AHT (Service's, mean, lower) and WEB_ERR (Website's, sum, lower) drive CSAT, which
    drives REVENUE (monetary sum); NPS is quarterly."""

    def metric(code, **kw):
        defaults = {
            "level": "operational",
            "direction": "lower_is_better",
            "aggregation": "mean",
            "frequency": "monthly",
        }
        return metric_services.metric_create(by=p.alice, code=code, name=code, **{**defaults, **kw})

    aht = metric("AHT", owner_department=p.service, owner=p.hugo)
    web_err = metric("WEB_ERR", aggregation="sum", owner_department=p.website, owner=p.wanda)
    csat = metric("CSAT", level="experience", direction="higher_is_better")
    nps = metric("NPS", level="experience", direction="higher_is_better", frequency="quarterly")
    revenue = metric(
        "REVENUE", level="financial", direction="higher_is_better", aggregation="sum", is_monetary=True
    )
    metric_services.link_create(by=p.alice, child=aht, parent=csat, weight=2, impact=-0.01)
    metric_services.link_create(by=p.alice, child=web_err, parent=csat, weight=1, impact=-0.001)
    metric_services.link_create(by=p.alice, child=csat, parent=revenue, weight=1, impact=1000)
    metric_services.link_create(by=p.alice, child=nps, parent=revenue, weight=1, impact=100)
    for m, value in ((aht, 300), (csat, 80), (revenue, 100000), (web_err, 50)):
        metric_services.target_create(by=p.alice, metric=m, valid_from=date(2023, 1, 1), value=value)
    return Hierarchy(aht, csat, web_err, revenue, nps)


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the installation's language: a Spanish user's request leaves
    Spanish active in the thread (LocaleMiddleware activates, nothing deactivates), and the
    next test's generated text (agenda titles, notifications) would follow it."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()
