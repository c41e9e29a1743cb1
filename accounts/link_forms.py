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
