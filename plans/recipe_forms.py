"""Forms for recipes, recipes in meals and the shopping list: parse and check; services write."""

import json
from datetime import date
from decimal import Decimal
from typing import Any

from django import forms

from accounts.models import Profile
from mgplanner.forms import DecimalField, date_input
from plans.models import (
    DEFAULT_MEAL_NAMES,
    MAX_RECIPE_GRAMS,
    MAX_RECIPE_SERVINGS,
    MAX_RECIPE_STEPS_CHARS,
)
from plans.recipes import SERVINGS_OR_GRAMS
from plans.selectors import range_date_problems

# An exported recipe is a few kB; a megabyte is not a recipe.
MAX_IMPORT_BYTES = 1_000_000


class RecipeForm(forms.Form):
    name = forms.CharField(
        max_length=120, label="Name", error_messages={"required": "Give the recipe a name."}
    )
    servings = forms.IntegerField(
        min_value=1,
        max_value=MAX_RECIPE_SERVINGS,
        label="Servings it makes",
        error_messages={
            "required": "Enter how many servings it makes.",
            "min_value": "A recipe makes at least 1 serving.",
            "max_value": f"A recipe makes at most {MAX_RECIPE_SERVINGS:,} servings.",
            "invalid": "Enter a whole number of servings, such as 4.",
        },
    )
    # "(optional)" is the form macro's (templates/macros/forms.html), not the label's.
    cooked_weight_grams = forms.FloatField(
        required=False,
        min_value=1,
        max_value=MAX_RECIPE_GRAMS,
        label="Cooked weight (g)",
        help_text="Weigh the finished dish to enter portions in grams of it.",
        error_messages={
            "min_value": "Enter at least 1 g.",
            "max_value": f"At most {MAX_RECIPE_GRAMS:,} g; check the weight.",
            "invalid": "Enter the weight in grams, such as 850.",
        },
    )
    steps = forms.CharField(
        required=False,
        max_length=MAX_RECIPE_STEPS_CHARS,
        label="Steps",
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    shared = forms.BooleanField(required=False, label="Share with my linked dietitian or clients")


# Both blank is one serving: the form shows it as the servings field's placeholder.
DEFAULT_SERVINGS = Decimal(1)


class ServingsForm(forms.Form):
    """Servings of a recipe, or grams of the finished dish (turned into servings).

    Servings start blank rather than at 1: a person who types grams and leaves a pre-filled
    1 would get one serving, silently. Both given is refused (which did they mean?); both
    blank is one serving.
    """

    servings = DecimalField(
        required=False,
        min_value=Decimal("0.01"),
        max_value=MAX_RECIPE_SERVINGS,
        max_digits=6,
        decimal_places=3,
        label="Servings",
        help_text="Blank for 1 serving, or give the grams instead.",
        widget=forms.NumberInput(attrs={"placeholder": "1"}),
        error_messages={
            "min_value": "Enter servings above 0.",
            "max_value": f"Enter at most {MAX_RECIPE_SERVINGS:,} servings.",
            "invalid": "Enter a number of servings, such as 1.5.",
            "max_decimal_places": "Give servings to at most 3 decimal places.",
        },
    )
    grams = forms.FloatField(
        required=False,
        min_value=1,
        max_value=MAX_RECIPE_GRAMS,
        label="Grams of the dish",
        help_text="Instead of servings: what you eat of the finished dish.",
        error_messages={
            "min_value": "Enter at least 1 g of the dish.",
            "max_value": f"Enter at most {MAX_RECIPE_GRAMS:,} g of the dish.",
            "invalid": "Enter a number of grams, such as 150.",
        },
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.errors:
            return data
        if data.get("servings") is not None and data.get("grams") is not None:
            self.add_error("grams", SERVINGS_OR_GRAMS)
        elif data.get("servings") is None and data.get("grams") is None:
            data["servings"] = DEFAULT_SERVINGS
        return data


class PlanRecipeForm(ServingsForm):
    """A recipe onto a day: which day, which meal (made when missing), how much."""

    # The page's order, so the error summary lists the problems as the form shows them.
    field_order = ["date", "meal", "servings", "grams"]

    date = forms.DateField(
        label="Day",
        widget=date_input(),
        error_messages={"invalid": "Enter a date.", "required": "Choose the day."},
    )
    meal = forms.CharField(
        max_length=60,
        label="Meal",
        initial=DEFAULT_MEAL_NAMES[1],
        error_messages={"required": "Name the meal, such as Lunch."},
    )


class ImportForm(forms.Form):
    file = forms.FileField(required=False, label="A recipe file (.json)")
    text = forms.CharField(
        required=False, label="or paste the JSON", widget=forms.Textarea(attrs={"rows": 4})
    )

    # The field the document came from: errors about the document as a whole go there.
    source_field = "file"

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        upload = data.get("file")
        raw: bytes | str | None = None
        self.source_field = "file" if upload is not None or not data.get("text") else "text"
        if upload is not None:
            if upload.size > MAX_IMPORT_BYTES:
                self.add_error("file", "That file is over 1 MB: it is not a recipe.")
                return data
            raw = upload.read()
        elif data.get("text"):
            raw = data["text"]
        if raw is None:
            self.add_error("file", "Choose a file, or paste the JSON.")
            return data
        try:
            data["document"] = json.loads(raw)
        except (ValueError, UnicodeDecodeError) as error:
            self.add_error(self.source_field, f"Not valid JSON: {error}.")
        except RecursionError:
            # Thousands of nested brackets: valid JSON, but no recipe is that deep.
            self.add_error(self.source_field, "Not a recipe: the JSON is nested too deeply.")
        return data

    def add_document_errors(self, messages: list[str]) -> None:
        """Problems with the document as a whole (not a recipe object), on the field it came
        from: the pasted text's when pasted, the file's when uploaded."""
        for message in messages:
            self.add_error(self.source_field, message)


class ShoppingRangeForm(forms.Form):
    start = forms.DateField(
        label="From", widget=date_input(), error_messages={"invalid": "Enter a date."}
    )
    end = forms.DateField(
        label="To", widget=date_input(), error_messages={"invalid": "Enter a date."}
    )

    def __init__(self, *args: Any, profile: Profile, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.profile = profile

    def clean(self) -> dict[str, Any]:
        from plans.recipe_services import shopping_range_error

        data = super().clean()
        start: date | None = data.get("start")
        end: date | None = data.get("end")
        if start and end:
            problem = shopping_range_error(start, end)
            if problem:
                self.add_error("end", problem)
            else:
                problems = range_date_problems(profile=self.profile, start=start, end=end)
                for field, message in problems.items():
                    self.add_error(field, message)
        return data
