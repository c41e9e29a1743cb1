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


# A database id has at most 19 digits (bigint); anything longer is not an id. The bound also
# keeps int() away from Python's 4,300-digit conversion limit, which raises ValueError.
MAX_ID_DIGITS = 18


def parse_id(value: object) -> int | None:
    """The id a query or form value names, or None when it is not one (a typo, junk, huge)."""
    text = str(value) if value is not None else ""
    if not text.isdigit() or len(text) > MAX_ID_DIGITS:
        return None
    return int(text)
