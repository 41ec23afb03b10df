from django import forms
from django.utils.translation import gettext_lazy as _

from apps.core.forms import VersionedForm
from apps.core.text import SingleLineField
from apps.core.validators import validate_finite
from apps.metrics.models import Metric
from apps.organization.models import Department, User

from .models import Committee, Decision


def people():
    return User.objects.filter(is_active=True, is_system=False).order_by("display_name")


class CommitteeForm(VersionedForm):
    name = SingleLineField(label=_("Name"), max_length=160)
    kind = forms.ChoiceField(label=_("Kind"), choices=Committee.Kind.choices)
    charter = forms.CharField(label=_("Charter"), widget=forms.Textarea, required=False)
    chair = forms.ModelChoiceField(label=_("Chair"), queryset=User.objects.none())
    secretary = forms.ModelChoiceField(label=_("Secretary"), queryset=User.objects.none(), required=False)
    members = forms.ModelMultipleChoiceField(
        label=_("Members"), queryset=User.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    cadence = forms.ChoiceField(label=_("Cadence"), choices=Committee.Cadence.choices)
    scope_departments = forms.ModelMultipleChoiceField(
        label=_("Departments overseen"),
        queryset=Department.objects.active(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    scope_metrics = forms.ModelMultipleChoiceField(
        label=_("Metrics overseen"),
        queryset=Metric.objects.filter(archived=False),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("chair", "secretary", "members"):
            self.fields[name].queryset = people()


class DecisionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Decision.Kind.choices)
    text = forms.CharField(label=_("Decision"), widget=forms.Textarea(attrs={"rows": 2}), max_length=5000)
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=User.objects.none(), required=False)
    owner_department = forms.ModelChoiceField(
        label=_("Owner department"), queryset=Department.objects.active(), required=False
    )
    due = forms.DateField(label=_("Due"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    target_value = forms.FloatField(label=_("Proposed target"), required=False, validators=[validate_finite])
    target_valid_from = forms.DateField(
        label=_("Target valid from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    target_baseline = forms.FloatField(label=_("Baseline"), required=False, validators=[validate_finite])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = people()


class ScheduleForm(forms.Form):
    scheduled_for = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
