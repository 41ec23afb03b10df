"""Single-line text: titles and names end up in mail subjects, headers and CSV cells, where
a line break or another control character is either an injection (`…\r\nBcc: x@y`) or a
mail that can never be sent ("header values can't contain newlines"). Such fields refuse
them on input; text built into a subject is collapsed to one line as well."""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# C0 and C1 controls, DEL, and the Unicode line and paragraph separators.
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_RUNS = re.compile(r"[\s\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def one_line(text) -> str:
    """Any run of whitespace or control characters becomes one space; ends stripped."""
    return _RUNS.sub(" ", str(text or "")).strip()


def validate_single_line(value) -> None:
    if value and CONTROL.search(str(value)):
        raise ValidationError(
            _("Use a single line: no line breaks, tabs or other control characters."),
            code="control_characters",
        )


class SingleLineField(forms.CharField):
    """A form field for titles and names (see the module docstring)."""

    default_validators = [validate_single_line]
