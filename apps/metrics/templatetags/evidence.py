"""Driver-evidence figures: estimates range from 0.0005 to 120,000, so they are shown with
significant digits rather than a fixed number of decimals."""

import math

from django import template
from django.utils.formats import number_format

register = template.Library()


@register.filter
def sig(value, digits=3):
    """A number with `digits` significant digits and thousands separators; — for none."""
    if value is None or value == "" or not math.isfinite(float(value)):
        return "—"
    value = float(value)
    if value == 0:
        return number_format(0, decimal_pos=0, use_l10n=True)
    decimals = max(0, int(digits) - 1 - math.floor(math.log10(abs(value))))
    return number_format(round(value, decimals), decimal_pos=decimals, use_l10n=True, force_grouping=True)
