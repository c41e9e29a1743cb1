"""Forms parse input; the rules live in accounts.services, which every writer goes through."""

from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import Diet, Exclusion, Medication, Profile, Sex
from accounts.services import KCAL_GOAL_MAX, KCAL_GOAL_MESSAGE, KCAL_GOAL_MIN


class DateInput(forms.DateInput):
    """The browser's date picker; ISO dates are what <input type=date> sends and expects."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class SignUpForm(forms.Form):
    email = forms.EmailField(
        label="Email address",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        help_text="You log in with it; a password reset link is sent to it.",
    )
    display_name = forms.CharField(
        label="Name",
        max_length=120,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        help_text="Shown in the header and to a dietitian you invite.",
    )
    password1 = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label="Password again",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", "The two passwords differ.")
        return cleaned


class EmailAuthenticationForm(AuthenticationForm):
    """Log in by email. Addresses are stored lower-case, so typed capitals still match."""

    error_messages = {
        **AuthenticationForm.error_messages,
        # Django's says "both fields may be case-sensitive": here only the password is.
        "invalid_login": "That email and password do not match an account. "
        "The password is case-sensitive.",
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = "Email address"
        self.fields["username"].widget = forms.EmailInput(
            attrs={"autocomplete": "email", "autofocus": True}
        )

    def clean_username(self) -> str:
        return str(self.cleaned_data["username"]).strip().lower()


@dataclass(frozen=True)
class OtherStepError:
    """A problem with an answer that belongs to another step of the wizard.

    The page of this step has no input to put it on, so its error summary links to the
    step that has one (the last step finds a date of birth missing, say).
    """

    step: str
    step_number: int
    step_title: str
    label: str
    # The id of the input on that step's page, as the error summary macro anchors it.
    anchor: str
    message: str


def other_step_error(field: str, message: str) -> OtherStepError | None:
    """`message` about `field`, placed on the step whose form asks for it; None when no
    step does (a rule on the whole profile)."""
    for number, (step, form_class) in enumerate(PROFILE_STEPS.items(), start=1):
        if field in form_class.base_fields:
            bound = form_class()[field]
            # templates/macros/forms.html anchors a group (radios) at its first input.
            anchor = f"{bound.auto_id}_0" if bound.use_fieldset else bound.id_for_label
            return OtherStepError(
                step=step,
                step_number=number,
                step_title=form_class.title,
                label=str(bound.label),
                anchor=anchor,
                message=message,
            )
    return None


class ProfileStepForm(forms.Form):
    """One step of the profile wizard: initial values come from the saved profile."""

    title = ""
    intro = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.other_step_errors: list[OtherStepError] = []

    @classmethod
    def for_profile(cls, profile: Profile) -> "ProfileStepForm":
        return cls(initial={name: getattr(profile, name) for name in cls.base_fields})

    @property
    def has_problems(self) -> bool:
        """Errors on this step's fields, or on answers another step asks for."""
        return bool(self.errors or self.other_step_errors)

    def add_service_error(self, error: ValidationError) -> None:
        """Put errors from the service on the field they name; an answer of another step in
        `other_step_errors`, to link there; anything else at the top of the form."""
        for field, messages in error.message_dict.items():
            target = field if field in self.fields else None
            for message in messages:
                elsewhere = other_step_error(field, message) if target is None else None
                if elsewhere is not None:
                    self.other_step_errors.append(elsewhere)
                    continue
                if target is None and field != "__all__":
                    label = field.replace("_", " ").capitalize()
                    message = f"{label}: {message}"
                self.add_error(target, message)


class AboutForm(ProfileStepForm):
    title = "About you"
    intro = "Your magnesium target depends on your age, sex, pregnancy and breastfeeding."

    date_of_birth = forms.DateField(
        label="Date of birth",
        widget=DateInput(attrs={"autocomplete": "bday"}),
        help_text="Your age on each planned day picks the row of the RDA table.",
    )
    sex = forms.ChoiceField(
        label="Sex",
        choices=Sex.choices,
        widget=forms.RadioSelect,
        help_text="Used to pick the RDA row (IOM tables are by sex).",
    )
    pregnant_from = forms.DateField(label="Pregnant from", required=False, widget=DateInput())
    pregnant_until = forms.DateField(label="Due date", required=False, widget=DateInput())
    lactating_from = forms.DateField(label="Breastfeeding from", required=False, widget=DateInput())
    lactating_until = forms.DateField(
        label="Breastfeeding until",
        required=False,
        widget=DateInput(),
        help_text="Leave blank while you are still breastfeeding.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["date_of_birth"].widget.attrs["max"] = timezone.localdate().isoformat()


class HealthForm(ProfileStepForm):
    title = "Health"
    intro = (
        "Kidney disease and some medicines change how magnesium is handled: the planner warns "
        "you when they matter. It gives information, never a diagnosis."
    )

    ckd_stage = forms.TypedChoiceField(
        label="Chronic kidney disease",
        coerce=int,
        choices=Profile._meta.get_field("ckd_stage").choices,
        help_text="From stage 3 on, magnesium supplements need your renal team's agreement.",
    )
    medications = forms.MultipleChoiceField(
        label="Medicines you take",
        choices=Medication.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Only those that interact with magnesium are listed.",
    )


class FoodForm(ProfileStepForm):
    title = "Food"
    intro = "Suggested swaps keep to your way of eating and leave out what you avoid."

    diet = forms.ChoiceField(label="Way of eating", choices=Diet.choices, widget=forms.RadioSelect)
    exclusions = forms.MultipleChoiceField(
        label="Foods you avoid",
        choices=Exclusion.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    kcal_goal = forms.IntegerField(
        label="Daily energy goal (kcal)",
        required=False,
        # Checked here as well as by the service, so a far-off number gets the one message
        # (not also the database column's own bounds).
        min_value=KCAL_GOAL_MIN,
        max_value=KCAL_GOAL_MAX,
        error_messages={"min_value": KCAL_GOAL_MESSAGE, "max_value": KCAL_GOAL_MESSAGE},
        help_text=f"Optional; between {KCAL_GOAL_MIN} and {KCAL_GOAL_MAX} kcal.",
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )


PROFILE_STEPS: dict[str, type[ProfileStepForm]] = {
    "about": AboutForm,
    "health": HealthForm,
    "food": FoodForm,
}
