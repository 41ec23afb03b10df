"""API list filters as django-filter FilterSets: the form validates every parameter (a bad
one is a 400 naming it) and drf-spectacular documents each one with its type, so the schema
says what a list accepts. The filtering itself stays in the app's selector. The list page
filters through the same FilterSet (`page_filter`), so a page and the API take the same
values and refuse the same ones: a bad value is shown on the page, not silently ignored."""

from __future__ import annotations

from django import forms
from django_filters import rest_framework as filters

from apps.core.ids import MAX_ID


class IdField(forms.IntegerField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class IdFilter(filters.NumberFilter):
    """An object id: a whole number that a 64-bit key can hold (documented as an integer)."""

    field_class = IdField


class SelectorFilterSet(filters.FilterSet):
    """Validates the query with the declared filters, then hands the raw parameters to
    `selector(queryset, params)`: the same function the list page calls."""

    selector = None  # set by subclasses: a staticmethod (queryset, params) -> queryset
    # The API holds a typed parameter sent empty to its type; a page's form sends "" for
    # "All" (page_filter sets this).
    empty_means_all = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, declared in self.filters.items():
            # Named by the parameter (as the errors are): django-filter would otherwise make
            # a label from the model field and its lookup ("exact"), which nobody reads.
            if declared._label is None:
                declared.label = name

    def is_valid(self):
        # A parameter sent empty is not "no filter" for a typed one: the schema says an id is
        # a whole number and a choice one of its values, and "" is neither (a text filter
        # may be empty).
        valid = super().is_valid()
        if self.empty_means_all:
            return valid
        empty = [
            name
            for name, declared in self.filters.items()
            if not isinstance(declared, filters.CharFilter) and self.data.get(name) == ""
        ]
        for name in empty:
            self.form.add_error(name, "Send a value, or leave the parameter out.")
        return valid and not empty

    def filter_queryset(self, queryset):
        return type(self).selector(queryset, self.data, **self.selector_kwargs())

    def selector_kwargs(self) -> dict:
        """Extra keyword arguments of the selector (a subclass passes the user, say)."""
        return {}


def page_filter(filterset_class, request, queryset):
    """A list page's rows filtered by the API's FilterSet: `(rows, errors)`. With a value
    the FilterSet refuses, nothing is listed and `errors` names each bad parameter with its
    value and messages, `[(name, value, [message, ...]), ...]`, for `_filter_errors.html` (the page answers
    400, as the API does). Parameters the FilterSet does not declare (sort, page, format,
    the page's own extras) reach the selector as they are."""
    filterset = filterset_class(request.GET, queryset=queryset, request=request)
    filterset.empty_means_all = True
    if filterset.is_valid():
        return filterset.filter_queryset(queryset), []
    errors = [
        (name, request.GET.get(name, "")[:80], list(messages))
        for name, messages in filterset.form.errors.items()
    ]
    return queryset.none(), errors


class Backend(filters.DjangoFilterBackend):
    """django-filter's backend; a view lists it with its `filterset_class`."""
