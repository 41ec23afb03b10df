"""The review list's filter: `committee` (an id), validated and documented."""

from apps.core.filters import IdFilter, SelectorFilterSet

from .models import Review


def _by_committee(queryset, params):
    committee = params.get("committee")
    return queryset.filter(committee_id=int(committee)) if committee else queryset


class ReviewFilter(SelectorFilterSet):
    selector = staticmethod(_by_committee)

    committee = IdFilter(help_text="committee id")

    class Meta:
        model = Review
        fields: list = []
