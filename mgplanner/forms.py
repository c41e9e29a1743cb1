"""Form helpers shared by the apps' views."""

from django import forms
from django.core.exceptions import ValidationError


def apply_validation_error(form: forms.BaseForm, error: ValidationError) -> None:
    """Put a service's ValidationError onto `form`: on the field it names when the form has
    that field, else at the top of the form. A model error on a field the form does not show
    (a code, an owner) must still reach the person, not raise. An unbound form (a button
    with nothing typed: "Back to the RDA", a note's Delete) takes the error too: add_error
    updates cleaned data, which such a form has none of, and raised AttributeError (a 500).
    """
    if not form.is_bound and not hasattr(form, "cleaned_data"):
        form.cleaned_data = {}
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, messages in error.message_dict.items():
        for message in messages:
            form.add_error(field if field in form.fields else None, message)


def date_input() -> forms.DateInput:
    """A date field's widget: the browser's date picker, ISO dates in and out (a text box
    showed "23/11/2026" and sent it back in the address)."""
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class DecimalField(forms.DecimalField):
    """Django's DecimalField with one message per bad value: a number above `max_value` also
    breaks `max_digits`, and the person would read both ("at most 1000" and "no more than 7
    digits") for one mistake. The bound's own message is the one kept."""

    def run_validators(self, value: object) -> None:
        try:
            super().run_validators(value)
        except ValidationError as error:
            raise ValidationError(error.error_list[:1]) from None


# A database id has at most 19 digits (bigint); anything longer is not an id. The bound also
# keeps int() away from Python's 4,300-digit conversion limit, which raises ValueError.
MAX_ID_DIGITS = 18


def parse_id(value: object) -> int | None:
    """The id a query or form value names, or None when it is not one (a typo, junk, huge)."""
    text = str(value) if value is not None else ""
    if not text.isdigit() or len(text) > MAX_ID_DIGITS:
        return None
    return int(text)
