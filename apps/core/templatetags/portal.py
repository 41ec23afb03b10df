"""Formatting filters for numbers, money and table cells."""

import math

from django import template
from django.conf import settings
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from apps.core.tables import measure_digits

# Extracted for translation; rendered through gettext in status_badge.
gettext_noop("on target")
gettext_noop("at risk")
gettext_noop("off target")
gettext_noop("no data")

register = template.Library()


@register.filter
def cell(value, digits=None):
    """A table cell; a number rounded to its column's digits (as its CSV export) when set."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if digits is not None and isinstance(value, int | float):
        return num(value, digits)
    if isinstance(value, float):
        return num(value)
    return value


@register.filter
def num(value, digits=1):
    """A number with thousands separators; — for none."""
    if value is None or value == "" or (isinstance(value, float) and not math.isfinite(value)):
        return "—"
    return number_format(
        round(float(value), int(digits)), decimal_pos=int(digits), use_l10n=True, force_grouping=True
    )


@register.filter
def money(value):
    """An amount in the installation's currency, no decimals."""
    if value is None or value == "":
        return "—"
    amount = number_format(round(float(value)), decimal_pos=0, use_l10n=True, force_grouping=True)
    return f"{amount} {settings.PORTAL_CURRENCY}"


STATUS_LABELS = {"green": "on target", "amber": "at risk", "red": "off target", "grey": "no data"}


@register.inclusion_tag("_status.html")
def status_badge(status):
    status = status or "grey"
    return {"status": status, "label": _(STATUS_LABELS.get(status, status))}


@register.filter
def measure(value, metric):
    """A metric's value with its unit (money in the installation's currency)."""
    if value is None or value == "":
        return "—"
    if getattr(metric, "is_monetary", False):
        return money(value)
    # The same rounding as the CSV exports (tables.measure_digits), so page and file agree.
    digits = measure_digits(value, metric)
    unit = getattr(metric, "unit", "") or ""
    return f"{num(value, digits)} {unit}".strip()


@register.filter
def score(value):
    return num(value, 0)


@register.simple_tag(takes_context=True)
def url_with(context, **changes):
    """The current URL with some query parameters changed."""
    params = context["request"].GET.copy()
    params.pop("page", None)
    for key, value in changes.items():
        params[key] = value
    return "?" + params.urlencode()


@register.filter
def choice(value, field_path: str):
    """A choice stored as its code or as its label in any language (frozen figures,
    history) shown in the reader's language: `{{ code|choice:"committees.Decision.status" }}`."""
    from django.apps import apps as django_apps

    from apps.core.history import choice_label

    app_model, field_name = field_path.rsplit(".", 1)
    field = django_apps.get_model(app_model)._meta.get_field(field_name)
    return choice_label(field, str(value)) if value not in (None, "") else value
