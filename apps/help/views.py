from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from . import content


@require_safe
def help_index(request):
    """Every help page, and the intro that holds for every figure."""
    return render(request, "help/index.html", {"areas": content.AREAS, "intro": content.INTRO})


@require_safe
def help_area(request, area):
    """One area's help: its intro and each of its figures (rule, example, limits)."""
    found = content.AREAS_BY_KEY.get(area)
    if found is None:
        raise Http404
    return render(
        request,
        "help/area.html",
        {
            "area": found,
            "areas": content.AREAS,
            "figures": content.figures_of(area),
            "steps": content.STEPS if area == "start" else [],
        },
    )


TEMPLATE_CSV = (
    "metric,period_start,department,channel,source,value,sample_size\r\n"
    "AHT,2026-10-01,CS,PHONE,acd,312.5,480\r\n"
    "CSAT,2026-10-01,CS,,survey,82.4,1250\r\n"
)


@require_safe
def csv_template(request):
    """The measurement upload's CSV template: its header and two example rows."""
    response = HttpResponse(TEMPLATE_CSV, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="measurements-template.csv"'
    return response
