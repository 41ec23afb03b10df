from django import template
from django.utils.formats import number_format

from .. import money

register = template.Library()


@register.filter
def amount(value):
    """An amount in the installation's currency, rounded to its minor unit."""
    if value is None or value == "":
        return "—"
    digits = money.minor_units()
    text = number_format(money.rounded(value), decimal_pos=digits, use_l10n=True, force_grouping=True)
    return f"{text} {money.currency()}"


@register.filter
def pct(value, digits=1):
    if value is None or value == "":
        return "—"
    return number_format(round(float(value), int(digits)), decimal_pos=int(digits), use_l10n=True) + " %"
