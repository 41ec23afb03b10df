"""Formatting filters for numbers, money and table cells."""

import math

from django import template
from django.conf import settings
from django.utils.formats import number_format
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def cell(value):
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, float):
        return num(value)
    return value


@register.filter
def num(value, digits=1):
    """A number with thousands separators; — for none."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "—"
    return number_format(
        round(float(value), int(digits)), decimal_pos=int(digits), use_l10n=True, force_grouping=True
    )


@register.filter
def money(value):
    """An amount in the installation's currency, no decimals."""
    if value is None:
        return "—"
    amount = number_format(round(float(value)), decimal_pos=0, use_l10n=True, force_grouping=True)
    return f"{amount} {settings.PORTAL_CURRENCY}"
