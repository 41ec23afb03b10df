"""Money in words: "impact on top" with its sign said (DESIGN §4 items 7 and 9)."""

from django import template
from django.utils.translation import gettext as _

from apps.core.templatetags.portal import money, num

register = template.Library()


@register.filter
def impact_words(row):
    """ "+1 score 1-5 of CSAT → −240,000 EUR of Churned revenue per month: 240,000 EUR
    avoided" for a hierarchy row; "" when the row has no impact on a top."""
    top = getattr(row, "top", None)
    impact = getattr(row, "path_impact", None)
    if top is None or impact is None:
        return ""
    unit = row.metric.unit or _("unit")
    sign = "−" if impact < 0 else "+"
    amount = money(abs(impact)) if top.is_monetary else f"{num(abs(impact), 3)} {top.unit}".strip()
    per = _(" per month") if top.aggregation == "sum" else ""
    good = (impact > 0) == (top.direction == "higher_is_better")
    if impact == 0:
        effect = _("no effect")
    elif top.direction == "higher_is_better":
        effect = (_("%(amount)s gained") if good else _("%(amount)s lost")) % {"amount": amount}
    else:
        effect = (_("%(amount)s avoided") if good else _("%(amount)s added")) % {"amount": amount}
    return _("+1 %(unit)s of %(metric)s → %(sign)s%(amount)s of %(top)s%(per)s: %(effect)s") % {
        "unit": unit,
        "metric": row.metric.code,
        "sign": sign,
        "amount": amount,
        "top": top.name.lower(),
        "per": per,
        "effect": effect,
    }
