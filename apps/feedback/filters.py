"""The feedback list's filters: the API's (validated and documented) and the inbox page's
(apps.core.filters.page_filter)."""

from django_filters import rest_framework as filters

from apps.core.filters import SelectorFilterSet

from . import selectors
from .models import FeedbackItem

YES = [("1", "yes")]


class FeedbackFilter(SelectorFilterSet):
    selector = staticmethod(selectors.filter_items)

    status = filters.ChoiceFilter(choices=FeedbackItem.Status.choices)
    topic = filters.CharFilter(help_text="topic (case-insensitive)")
    channel = filters.CharFilter(help_text="channel code")
    department = filters.CharFilter(help_text="code of a department the item is routed to")
    triage = filters.ChoiceFilter(choices=YES, help_text="1: items that need triage")
    overdue = filters.ChoiceFilter(choices=YES, help_text="1: items past their service level")
    age = filters.ChoiceFilter(
        choices=[("1", "1 day"), ("7", "7 days"), ("30", "30 days"), ("90", "90 days")],
        help_text="received within this many days",
    )
    duplicates = filters.ChoiceFilter(choices=YES, help_text="1: open possible duplicates")
    q = filters.CharFilter(help_text="words in the text or topic, or an external id")

    class Meta:
        model = FeedbackItem
        fields: list = []

    def selector_kwargs(self) -> dict:
        # `mine=1` (waiting for my department's answer) is the reader's.
        return {"user": getattr(self.request, "user", None)}
