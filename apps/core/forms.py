import inspect
from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from . import history
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


def _accepts_version(service: Callable) -> bool:
    try:
        return "version" in inspect.signature(service).parameters
    except (TypeError, ValueError):
        return False


def call_form_service(request, form, service: Callable):
    """Call `service(**cleaned_data)` when the form is valid — the form's hidden `version`
    is passed on when the service takes one (an edit) and dropped otherwise (a create) —
    and show the service's validation or stale-edit errors beside the fields.

    Returns (saved, result). On a stale edit `form.stale` holds the exception, so a page
    can show what changed meanwhile."""
    form.stale = None
    if request.method != "POST" or not form.is_valid():
        return False, None
    data = dict(form.cleaned_data)
    version = data.pop("version", None)
    if version is not None and _accepts_version(service):
        data["version"] = version
    try:
        result = service(**data)
    except ValidationError as exc:
        apply_validation_error(form, exc)
        return False, None
    except StaleEdit as exc:
        form.add_stale_error(exc)
        form.stale = exc
        return False, None
    messages.success(request, _("Saved."))
    return True, result


def form_page(
    request,
    *,
    form,
    service: Callable,
    success_url: str | Callable[[object], str],
    template: str,
    context: dict | None = None,
):
    """The one door of every form page: GET shows the form; a valid POST calls the
    service (see call_form_service) and redirects to `success_url` — a URL, or a callable
    given the service's result (the created object) — else the form is shown again with
    its errors — after a stale edit with `changed_meanwhile`, the object's last history
    entries, for the templates that show what changed. Bind the object and the actor with
    functools.partial:

        form_page(request, form=form, template="actions/plan_form.html",
                  service=partial(services.plan_update, plan=plan, by=request.user),
                  success_url=plan.get_absolute_url())
    """
    saved, result = call_form_service(request, form, service)
    if saved:
        return redirect(success_url(result) if callable(success_url) else success_url)
    context = {"form": form, **(context or {})}
    if form.stale is not None:
        context["changed_meanwhile"] = history.history_for(form.stale.obj, limit=3)
    return render(request, template, context)
