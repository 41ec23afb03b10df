from django import forms
from django.utils.translation import gettext_lazy as _

from apps.actions.models import ActionPlan
from apps.core.forms import VersionedForm
from apps.organization.models import Channel, Department

from .models import FeedbackItem


class AcknowledgeForm(forms.Form):
    department = forms.ModelChoiceField(label=_("For department"), queryset=Department.objects.none())
    note = forms.CharField(
        label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=5000
    )
    plan = forms.ModelChoiceField(
        label=_("Link an existing action plan"), queryset=ActionPlan.objects.none(), required=False
    )
    create_plan = forms.BooleanField(label=_("Or create a draft plan from this item"), required=False)

    def __init__(self, *args, departments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments
        self.fields["plan"].queryset = ActionPlan.objects.filter(status__in=ActionPlan.OPEN).order_by("title")

    def clean(self):
        data = super().clean()
        if data.get("plan") and data.get("create_plan"):
            raise forms.ValidationError(_("Link a plan or create one, not both."))
        return data


class DeclineForm(forms.Form):
    department = forms.ModelChoiceField(label=_("For department"), queryset=Department.objects.none())
    reason = forms.CharField(
        label=_("Why not yours"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )

    def __init__(self, *args, departments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments


class RouteForm(forms.Form):
    departments = forms.ModelMultipleChoiceField(
        label=_("Departments"), queryset=Department.objects.none(), widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["departments"].queryset = Department.objects.active().order_by("name")


class CloseForm(forms.Form):
    reason = forms.ChoiceField(label=_("Closure reason"), choices=FeedbackItem.ClosureReason.choices)
    told = forms.CharField(
        label=_("What the customer was told"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=5000,
    )


class RuleForm(VersionedForm):
    name = forms.CharField(label=_("Name"), max_length=120)
    topic = forms.CharField(label=_("Topic"), max_length=64, required=False)
    channel = forms.ModelChoiceField(label=_("Channel"), queryset=Channel.objects.none(), required=False)
    keyword = forms.CharField(
        label=_("Keyword"),
        max_length=80,
        required=False,
        help_text=_("A whole word or phrase; case and accents are ignored."),
    )
    departments = forms.ModelMultipleChoiceField(
        label=_("Departments"), queryset=Department.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["channel"].queryset = Channel.objects.active()
        self.fields["departments"].queryset = Department.objects.active().order_by("name")


class UploadForm(forms.Form):
    file = forms.FileField(label=_("CSV file"))


class ThemeAgendaForm(forms.Form):
    review = forms.ModelChoiceField(label=_("Review"), queryset=None)

    def __init__(self, *args, reviews, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["review"].queryset = reviews


class TellForm(forms.Form):
    told = forms.CharField(
        label=_("What the customers are told"), widget=forms.Textarea(attrs={"rows": 4}), max_length=5000
    )
