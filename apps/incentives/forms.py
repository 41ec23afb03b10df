from django import forms
from django.utils.translation import gettext_lazy as _

from apps.core.forms import VersionedForm
from apps.metrics.models import Metric
from apps.organization.models import Department, User

from .models import PlanComponent


def people():
    return User.objects.filter(is_active=True, is_system=False).order_by("display_name")


def date_field(label, required=True):
    return forms.DateField(label=label, required=required, widget=forms.DateInput(attrs={"type": "date"}))


class PlanForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=160)
    period = forms.CharField(
        label=_("Period"), max_length=8, help_text=_("A year (2026) or a quarter (2026-Q2).")
    )


class PlanEditForm(VersionedForm, PlanForm):
    pass


class ComponentForm(forms.Form):
    metric = forms.ModelChoiceField(label=_("Metric"), queryset=Metric.objects.filter(archived=False))
    scope = forms.ChoiceField(label=_("Scope"), choices=PlanComponent.Scope.choices)
    weight = forms.FloatField(label=_("Weight"), initial=1.0)
    threshold = forms.FloatField(label=_("Threshold (metric units)"))
    target = forms.FloatField(label=_("Target (metric units)"))
    maximum = forms.FloatField(label=_("Maximum (metric units)"))
    threshold_percent = forms.FloatField(label=_("Payout % at threshold"), initial=50.0)
    target_percent = forms.FloatField(label=_("Payout % at target"), initial=100.0)
    maximum_percent = forms.FloatField(label=_("Payout % at maximum"), initial=150.0)


class ComponentEditForm(VersionedForm, ComponentForm):
    pass


class ParticipantForm(forms.Form):
    person = forms.ModelChoiceField(label=_("Person"), queryset=people())
    department = forms.ModelChoiceField(
        label=_("Department"),
        queryset=Department.objects.active(),
        required=False,
        help_text=_("For department-scoped components; empty: the person's primary department."),
    )
    target_bonus = forms.FloatField(label=_("Target bonus"), min_value=0)
    cx_share = forms.FloatField(label=_("CX share %"), min_value=0, max_value=100)
    from_date = date_field(_("From"), required=False)
    to_date = date_field(_("To"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = people()


class ParticipantEditForm(VersionedForm):
    department = forms.ModelChoiceField(
        label=_("Department"), queryset=Department.objects.active(), required=False
    )
    target_bonus = forms.FloatField(label=_("Target bonus"), min_value=0)
    cx_share = forms.FloatField(label=_("CX share %"), min_value=0, max_value=100)
    from_date = date_field(_("From"))
    to_date = date_field(_("To"))


class AmendForm(VersionedForm):
    """After approval: transfer (department) and leave (end date) only."""

    department = forms.ModelChoiceField(
        label=_("Department"), queryset=Department.objects.active(), required=False
    )
    to_date = date_field(_("Leaves on (last day in the plan)"))


class SendBackForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class VersionForm(VersionedForm):
    pass


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("HR file (CSV)"),
        help_text=_("Columns: email, department, target_bonus, cx_share, from, to (dates YYYY-MM-DD)."),
    )
