from django import forms
from django.utils.translation import gettext_lazy as _

from .errors import StaleEdit


class VersionedForm(forms.Form):
    """Carries the version the user loaded; a save from an older version is refused."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def add_stale_error(self, exc: StaleEdit) -> None:
        self.add_error(
            None,
            _(
                "Someone else saved this while you were editing (now version %(v)s). "
                "Your input is kept below; review the current values and save again."
            )
            % {"v": exc.current_version},
        )


def apply_validation_error(form: forms.Form, exc) -> None:
    """Show a service's ValidationError on the form fields it names."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def save_with_form(request, form, save) -> bool:
    """Run `save(data)` — a service call — when the form is valid, and show the service's
    validation or stale-edit errors beside the fields. True when saved; on a stale edit
    `form.stale` holds the exception (what changed meanwhile can be shown)."""
    from django.contrib import messages
    from django.core.exceptions import ValidationError

    form.stale = None
    if request.method != "POST" or not form.is_valid():
        return False
    try:
        save(dict(form.cleaned_data))
    except ValidationError as exc:
        apply_validation_error(form, exc)
        return False
    except StaleEdit as exc:
        form.add_stale_error(exc)
        form.stale = exc
        return False
    messages.success(request, _("Saved."))
    return True
