from django import forms
from django.utils.translation import gettext_lazy as _

from apps.core.forms import VersionedForm
from apps.core.text import SingleLineField
from apps.core.validators import validate_finite
from apps.organization.models import Channel, Department, User

from .models import Metric


class MetricForm(VersionedForm):
    code = forms.CharField(
        label=_("Code"), max_length=40, help_text=_("The key outside systems use, e.g. AHT.")
    )
    name = SingleLineField(label=_("Name"), max_length=160)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea, required=False)
    level = forms.ChoiceField(label=_("Level"), choices=Metric.Level.choices)
    unit = SingleLineField(label=_("Unit"), max_length=24, required=False)
    is_monetary = forms.BooleanField(label=_("Monetary (in the installation's currency)"), required=False)
    direction = forms.ChoiceField(label=_("Direction"), choices=Metric.Direction.choices)
    aggregation = forms.ChoiceField(label=_("Aggregation"), choices=Metric.Aggregation.choices)
    frequency = forms.ChoiceField(label=_("Frequency"), choices=Metric.Frequency.choices)
    owner = forms.ModelChoiceField(
        label=_("Owner"), queryset=User.objects.filter(is_active=True, is_system=False), required=False
    )
    owner_department = forms.ModelChoiceField(
        label=_("Owner department"), queryset=Department.objects.active(), required=False
    )


class LinkForm(VersionedForm):
    child = forms.ModelChoiceField(label=_("Driver (child)"), queryset=Metric.objects.filter(archived=False))
    parent = forms.ModelChoiceField(
        label=_("Drives (parent)"), queryset=Metric.objects.filter(archived=False)
    )
    weight = forms.FloatField(
        label=_("Weight"),
        initial=1.0,
        help_text=_("For the driven score; greater than 0."),
        validators=[validate_finite],
    )
    impact = forms.FloatField(
        label=_("Impact"),
        initial=0.0,
        help_text=_(
            "Change of the parent (in its units; per month for a sum parent) per +1 unit of the child."
        ),
        validators=[validate_finite],
    )


class TargetForm(VersionedForm):
    valid_from = forms.DateField(label=_("Valid from"), widget=forms.DateInput(attrs={"type": "date"}))
    valid_to = forms.DateField(
        label=_("Valid to"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Inclusive; empty = open."),
    )
    department = forms.ModelChoiceField(
        label=_("Department"), queryset=Department.objects.active(), required=False
    )
    channel = forms.ModelChoiceField(label=_("Channel"), queryset=Channel.objects.active(), required=False)
    value = forms.FloatField(label=_("Target"), validators=[validate_finite])
    baseline = forms.FloatField(label=_("Baseline"), required=False, validators=[validate_finite])
    amber_threshold = forms.FloatField(
        label=_("Amber threshold (score points)"),
        initial=90.0,
        min_value=0,
        max_value=100,
        validators=[validate_finite],
    )


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_("Header: metric,period_start,department,channel,source,value,sample_size"),
    )
