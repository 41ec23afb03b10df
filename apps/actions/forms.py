from django import forms
from django.utils.translation import gettext_lazy as _

from apps.core.forms import VersionedForm
from apps.core.text import SingleLineField
from apps.core.validators import validate_finite
from apps.metrics.models import Metric
from apps.organization.models import Department, User

from .models import ActionPlan, ProgressUpdate


def people():
    return User.objects.filter(is_active=True, is_system=False).order_by("display_name")


class PlanForm(VersionedForm):
    title = SingleLineField(label=_("Title"), max_length=200)
    problem_statement = forms.CharField(label=_("Problem statement"), widget=forms.Textarea, required=False)
    owner_department = forms.ModelChoiceField(
        label=_("Owner department"), queryset=Department.objects.active()
    )
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=people(), required=False)
    contributing_departments = forms.ModelMultipleChoiceField(
        label=_("Contributing departments"),
        queryset=Department.objects.active(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    status = forms.ChoiceField(label=_("Status"), choices=ActionPlan.Status.choices)
    start = forms.DateField(label=_("Start"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    due = forms.DateField(label=_("Due"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    cost_estimate = forms.FloatField(
        label=_("Cost estimate"), required=False, min_value=0, validators=[validate_finite]
    )
    effort = forms.ChoiceField(label=_("Effort"), choices=ActionPlan.Effort.choices)

    def __init__(self, *args, departments=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = people()
        if departments is not None:
            self.fields["owner_department"].queryset = departments

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("due") and data["due"] < data["start"]:
            self.add_error("due", _("The due date is before the start."))
        return data


class MilestoneForm(VersionedForm):
    title = SingleLineField(label=_("Title"), max_length=200)
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=people(), required=False)
    due = forms.DateField(label=_("Due"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    weight = forms.FloatField(label=_("Weight"), initial=1.0, min_value=0.0001, validators=[validate_finite])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = people()


class ProgressForm(forms.Form):
    rag = forms.ChoiceField(label=_("RAG"), choices=ProgressUpdate.Rag.choices, widget=forms.RadioSelect)
    percent = forms.IntegerField(label=_("Percent complete"), min_value=0, max_value=100)
    text = forms.CharField(label=_("Update"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class ImpactForm(forms.Form):
    metric = forms.ModelChoiceField(label=_("Metric"), queryset=Metric.objects.filter(archived=False))
    expected_change = forms.FloatField(
        label=_("Expected change (metric units)"), validators=[validate_finite]
    )


class CommentForm(forms.Form):
    text = forms.CharField(label=_("Comment"), widget=forms.Textarea(attrs={"rows": 2}), max_length=5000)
