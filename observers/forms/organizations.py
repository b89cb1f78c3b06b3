"""Forms of the organisation pages: they check the shape; observers.services.organizations the rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import password_validators_help_text_html, validate_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from elections.models import Commission, Election
from observers.models import Accreditation, Coalition, CoalitionMember, Membership, Obstacle, Organization
from observers.services.memberships import TERRITORY_LEVELS

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def add_service_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """Put a service's ValidationError on `form`: on the fields it names, else above the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        form.add_error(field if field in form.fields else None, errors)


class SignUpForm(forms.ModelForm):
    """An organisation's application and its first admin account."""

    username = forms.CharField(label=_("Username of the first admin"), max_length=150)
    password1 = forms.CharField(
        label=_("Password"), widget=forms.PasswordInput, help_text=password_validators_help_text_html()
    )
    password2 = forms.CharField(label=_("Password again"), widget=forms.PasswordInput)

    class Meta:
        model = Organization
        fields = ["name", "kind", "contact_email", "contact_phone", "charter_clause"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["contact_email"].required = True

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password1") != data.get("password2"):
            self.add_error("password2", _("The two passwords differ."))
        elif data.get("password1"):
            user = get_user_model()(username=data.get("username", ""))
            try:
                validate_password(data["password1"], user)
            except ValidationError as error:
                self.add_error("password1", error)
        return data

    def submission(self) -> dict[str, Any]:
        """Keyword arguments for services.sign_up_organization."""
        data = self.cleaned_data
        fields = [*self.Meta.fields, "username"]
        return {**{name: data[name] for name in fields}, "password": data["password1"]}


class ReviewForm(forms.Form):
    """Platform staff's decision on an application; the reason is shown to the applicant."""

    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("refuse", _("Refuse"))])
    reason = forms.CharField(
        label=_("Reason (shown to the applicant)"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class AccreditationForm(forms.ModelForm):
    class Meta:
        model = Accreditation
        fields = ["election", "number", "issued_on", "issuing_commission", "status"]
        widgets = {"issued_on": DATE}


class ObstacleForm(forms.ModelForm):
    class Meta:
        model = Obstacle
        fields = ["election", "kind", "occurred_on", "commission", "description"]
        widgets = {"occurred_on": DATE, "description": forms.Textarea(attrs={"rows": 4})}


class TerritoryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Commission) -> str:
        return f"{obj.name} — {obj.election.local_name}"


class MemberForm(forms.Form):
    """Invite an account to be an admin or coordinator, a coordinator optionally of a territory."""

    username = forms.CharField(label=_("Username"), max_length=150)
    role = forms.ChoiceField(
        label=_("Role"),
        choices=[(role.value, role.label) for role in (Membership.Role.COORDINATOR, Membership.Role.ADMIN)],
    )
    territory = TerritoryChoiceField(
        label=_("Territory (coordinators only)"),
        queryset=Commission.objects.filter(level__in=TERRITORY_LEVELS).select_related("election"),
        required=False,
        empty_label=_("The whole organisation"),
    )


class CoalitionForm(forms.Form):
    """A coalition for one election and the organisations invited to it."""

    name = forms.CharField(label=pgettext_lazy("coalition", "Name"), max_length=200)
    election = forms.ModelChoiceField(label=_("Election"), queryset=Election.objects.all())
    partners = forms.ModelMultipleChoiceField(
        label=_("Invite"), queryset=Organization.objects.none(), widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        others = Organization.objects.approved().exclude(pk=organization.pk).order_by("name")
        self.fields["partners"].queryset = others  # type: ignore[attr-defined]


class CoalitionInviteForm(forms.Form):
    """An approved organisation to invite to `coalition`: any without a current seat (one that
    left may be invited again)."""

    invited = forms.ModelChoiceField(label=_("Invite"), queryset=Organization.objects.none())

    def __init__(self, *args: Any, coalition: Coalition, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        seated = CoalitionMember.objects.filter(coalition=coalition).values("organization_id")
        others = Organization.objects.approved().exclude(pk__in=seated).order_by("name")
        self.fields["invited"].queryset = others  # type: ignore[attr-defined]
