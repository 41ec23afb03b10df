from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from apps.core.forms import VersionedForm
from apps.core.text import SingleLineField

from .models import Department, RoleGrant


class DepartmentForm(VersionedForm):
    code = forms.SlugField(label=_("Code"), max_length=32)
    name = SingleLineField(label=_("Name"), max_length=120)
    parent = forms.ModelChoiceField(
        label=_("Parent department"), queryset=Department.objects.active(), required=False
    )


class ChannelForm(VersionedForm):
    code = forms.SlugField(label=_("Code"), max_length=32)
    name = SingleLineField(label=_("Name"), max_length=80)


class PersonForm(VersionedForm):
    email = forms.EmailField(label=_("E-mail address"))
    display_name = SingleLineField(label=_("Display name"), max_length=120)
    primary_department = forms.ModelChoiceField(
        label=_("Primary department"), queryset=Department.objects.active(), required=False
    )
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    is_system = forms.BooleanField(
        label=_("System account (integration; its tokens may only ingest)"), required=False
    )
    roles = forms.MultipleChoiceField(
        label=_("Roles"),
        choices=[c for c in RoleGrant.Role.choices if c[0] != "department_head"],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    headed_departments = forms.ModelMultipleChoiceField(
        label=_("Department head of"),
        queryset=Department.objects.active(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


class TokenForm(forms.Form):
    name = SingleLineField(label=_("Token name"), max_length=80)
