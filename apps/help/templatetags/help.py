"""`{% define "key" %}`: a figure's one-sentence definition, shown on hover and on keyboard
focus (CSS :hover / :focus-within, static/css/define.css), linking to its help section.
`{% help_link "key" %}`: a plain link to the worked rule. `|helptext`: help text with its
`formulas` as code."""

import itertools
import re

from django import template
from django.urls import reverse
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from apps.core import roles
from apps.help import content
from apps.help.guide import setting_up
from apps.metrics.models import Measurement, Metric, Target
from apps.organization.models import Channel, Department, User

register = template.Library()

# Ids only need to be unique within a page; a process-wide counter is.
_ids = itertools.count(1)
_CODE = re.compile(r"`([^`]+)`")


def figure_url(key: str) -> str:
    figure = content.FIGURES_BY_KEY[key]
    return reverse("help:area", args=[figure.area]) + f"#{figure.key}"


@register.filter
def helptext(text) -> str:
    return mark_safe(_CODE.sub(r"<code>\1</code>", escape(str(text))))


@register.simple_tag
def define(key: str) -> str:
    figure = content.FIGURES_BY_KEY[key]  # an unknown key is a template error, on purpose
    pop_id = f"define-{key}-{next(_ids)}"
    return format_html(
        '<span class="define"><button type="button" class="define-toggle" aria-label="{}" '
        'aria-describedby="{}">?</button><span class="define-pop" id="{}"><strong>{}</strong> {} '
        '<a href="{}">{}</a></span></span>',
        _("What is “%(title)s”?") % {"title": figure.title},
        pop_id,
        pop_id,
        figure.title,
        helptext(figure.short),
        figure_url(key),
        _("How it is computed"),
    )


@register.simple_tag
def help_link(key: str, label: str = "") -> str:
    return format_html(
        '<a class="help-link" href="{}">{}</a>',
        figure_url(key),
        label or _("The worked rule, with an example"),
    )


@register.inclusion_tag("help/_guided_start.html", takes_context=True)
def guided_start(context) -> dict:
    """The first-run guide, instead of the empty overview and hierarchy (`guide.setting_up`).
    The CX leader gets the steps (each marked done once its rows exist); others a line."""
    if not setting_up():
        return {"show": False}
    user = context["request"].user
    if not roles.is_cx_leader(user):
        return {"show": True, "steps": None}
    done = {
        "departments": Department.objects.exists(),
        "channels": Channel.objects.exists(),
        "hierarchy": Metric.objects.filter(owner__isnull=False).exists(),
        "targets": Target.objects.exists(),
        "measurements": Measurement.objects.exists(),
        "people": User.objects.exclude(pk=user.pk).exists(),
    }
    steps = []
    for step in content.STEPS:
        area, _sep, anchor = step.help.partition("#")
        anchor = anchor or (step.key if area == "start" else "")
        help_url = reverse("help:area", args=[area]) + (f"#{anchor}" if anchor else "")
        steps.append(
            {"step": step, "url": reverse(step.url_name), "help_url": help_url, "done": done[step.key]}
        )
    return {"show": True, "steps": steps}
