"""API list filters as django-filter FilterSets: the form validates every parameter (a bad
one is a 400 naming it) and drf-spectacular documents each one with its type, so the schema
says what a list accepts. The filtering itself stays in the app's selector, the one the list
page uses, so a page and the API filter the same way."""

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

    def is_valid(self):
        # A parameter sent empty is not "no filter" for a typed one: the schema says an id is
        # a whole number and a choice one of its values, and "" is neither (a text filter
        # may be empty).
        valid = super().is_valid()
        empty = [
            name
            for name, declared in self.filters.items()
            if not isinstance(declared, filters.CharFilter) and self.data.get(name) == ""
        ]
        for name in empty:
            self.form.add_error(name, "Send a value, or leave the parameter out.")
        return valid and not empty

    def filter_queryset(self, queryset):
        return type(self).selector(queryset, self.data)


class Backend(filters.DjangoFilterBackend):
    """django-filter's backend; a view lists it with its `filterset_class`."""
