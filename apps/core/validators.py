"""The one finite-number rule every form, serializer and service shares: NaN and
±infinity are not numbers a user means, and the engine's arithmetic would spread them."""

from __future__ import annotations

import math

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

NOT_FINITE = _("Enter a finite number.")


def is_finite_number(value) -> bool:
    """An int or float that is neither NaN nor ±infinity (a bool is not a number)."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def validate_finite(value) -> None:
    """A field validator (forms and serializers): empty passes, anything else is finite."""
    if value is not None and not is_finite_number(value):
        raise ValidationError(NOT_FINITE, code="not_finite")


def check_finite(*, allow_none: bool = True, **values) -> None:
    """For services: one ValidationError naming every value that is not a finite number."""
    errors = {
        name: [NOT_FINITE]
        for name, value in values.items()
        if not (value is None and allow_none) and not is_finite_number(value)
    }
    if errors:
        raise ValidationError(errors)


class FiniteFloatField(serializers.FloatField):
    """An API number: refuses NaN, infinity and booleans with a precise message."""

    default_error_messages = {"invalid": "A finite number is required."}

    def to_internal_value(self, data):
        if isinstance(data, bool):
            self.fail("invalid")
        value = super().to_internal_value(data)
        if not is_finite_number(value):
            self.fail("invalid")
        return value


class PersonByEmailField(serializers.SlugRelatedField):
    """A person named by e-mail address (documented `format: email`): text that is not an
    address is a 400 saying so, and one of nobody signed up a 400 saying that, each naming
    the value (DRF's own message was the same for both: "Object with email=… does not
    exist")."""

    default_error_messages = {
        "not_email": "{value!r} is not an e-mail address.",
        "does_not_exist": "No active person has the e-mail address {value!r}.",
        "invalid": "An e-mail address (text) is required.",
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("slug_field", "email")
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        from django.core.validators import validate_email

        if not isinstance(data, str):
            self.fail("invalid")
        try:
            validate_email(data)
        except ValidationError:
            self.fail("not_email", value=data[:80])
        try:
            return self.get_queryset().get(**{self.slug_field: data})
        except self.get_queryset().model.DoesNotExist:
            self.fail("does_not_exist", value=data[:80])
        except (TypeError, ValueError):
            self.fail("invalid")


class _TextOnly:
    default_error_messages = {"invalid": "Text (a JSON string) is required."}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictCharField(_TextOnly, serializers.CharField):
    """API text: a JSON string only. DRF's CharField turns a number or a boolean into text
    (`"name": 0` stored "0"), so a body the schema calls invalid was accepted."""


class StrictSlugField(_TextOnly, serializers.SlugField):
    """A code: a JSON string only (as StrictCharField)."""


class PortalModelSerializer(serializers.ModelSerializer):
    """A ModelSerializer whose text fields take text only (StrictCharField)."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.CharField: StrictCharField,
        models.TextField: StrictCharField,
        models.SlugField: StrictSlugField,
    }
