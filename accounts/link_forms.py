"""Forms of the dietitian-link pages: invite by email, enter a code, request the role."""

from django import forms
from django.core.exceptions import ValidationError

from mgplanner.forms import apply_validation_error


class InviteForm(forms.Form):
    email = forms.EmailField(
        label="Their email address",
        max_length=254,
        help_text="They get a one-time link that works for 7 days, for this address only.",
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )


class LinkRightsForm(forms.Form):
    """What a dietitian may do beyond seeing the plan and leaving notes: the person's choice,
    on accepting, when inviting, and at any time afterwards. Both ticked by default; an
    unticked box (absent from the POST, as browsers send it) withholds the right."""

    can_edit_plans = forms.BooleanField(
        label="They may edit your plan: add, change and remove food and supplements on your days",
        required=False,
        initial=True,
    )
    can_set_target = forms.BooleanField(
        label="They may set a custom magnesium target for you, with a reason you will see",
        required=False,
        initial=True,
    )


class DietitianInviteForm(InviteForm, LinkRightsForm):
    """A person invites a dietitian: their address, and what the link will allow."""

    field_order = ["email", "can_edit_plans", "can_set_target"]


def apply_invitation_error(form: "InviteForm", error: ValidationError) -> None:
    """Put invitation_create's error on the invite form: the service names the model field
    (`addressee_email`), the form calls it `email`, so "your own address" lands on the input.
    """
    if hasattr(error, "error_dict") and "addressee_email" in error.error_dict:
        error = ValidationError(
            {
                ("email" if field == "addressee_email" else field): errors
                for field, errors in error.error_dict.items()
            }
        )
    apply_validation_error(form, error)


class InvitationCodeForm(forms.Form):
    code = forms.CharField(
        label="Invitation code",
        max_length=20,
        help_text="The 8 letters and digits from the invitation, e.g. K7QM-2XPA.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )


class DietitianRequestForm(forms.Form):
    message = forms.CharField(
        label="Your qualification",
        max_length=2000,
        help_text="Your qualification and registration number, for the admin who approves.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
