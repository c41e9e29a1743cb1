"""Form helpers shared by the apps' views."""

from django import forms
from django.core.exceptions import ValidationError


def apply_validation_error(form: forms.BaseForm, error: ValidationError) -> None:
    """Put a service's ValidationError onto `form`: on the field it names when the form has
    that field, else at the top of the form. A model error on a field the form does not show
    (a code, an owner) must still reach the person, not raise.
    """
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, messages in error.message_dict.items():
        for message in messages:
            form.add_error(field if field in form.fields else None, message)
