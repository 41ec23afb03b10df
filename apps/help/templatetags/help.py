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

from apps.help import content

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
