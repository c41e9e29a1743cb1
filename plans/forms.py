"""Forms for the day page: parse and check input; the services own the writes."""

from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms

from accounts.models import User
from foods.models import Food, Portion
from foods.selectors import food_picked_by
from foods.values import MAX_PORTION_GRAMS
from mgplanner.forms import DecimalField, date_input, parse_id
from plans.models import MAX_COPY_TARGETS, Preparation
from plans.recipes import MAX_MEASURE_QUANTITY

GRAMS_OR_MEASURE = (
    "Give the grams or a measure, not both: clear the grams, or set the measure to "
    "“grams (as entered)”."
)

# The fields of an amount that `amount_fields` (plans/templates/plans/_day.html) also sends
# back as shown, in hidden `<name>_shown` inputs.
AMOUNT_SHOWN = ("grams", "portion", "portion_quantity")


def _number(text: str) -> Decimal | None:
    """A number as typed, or None when blank or not a number: so "10" and "10.0" are equal."""
    try:
        number = Decimal(text.strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


class AmountForm(forms.Form):
    """An amount as grams, or as a number of one of the food's household measures.

    Grams and a measure both sent are told apart by what the form showed: the edit form of
    an item in "2 × 1 oz" opens with the measure chosen and the grams blank, and grams typed
    there are what the person wants now. The one of the two the person changed wins; both
    changed, or a post that does not say what was shown, is refused (which did they mean?).
    """

    grams = forms.FloatField(
        required=False,
        min_value=0.1,
        max_value=MAX_PORTION_GRAMS,
        label="Grams",
        error_messages={
            "min_value": "Enter an amount above 0 g.",
            "max_value": f"At most {MAX_PORTION_GRAMS:,} g of one food.",
            "invalid": "Enter a number of grams, such as 30.",
        },
    )
    portion = forms.ModelChoiceField(
        queryset=Portion.objects.none(),
        required=False,
        label="Household measure",
        empty_label="grams (enter above)",
        error_messages={"invalid_choice": "Pick one of this food's measures."},
    )
    portion_quantity = DecimalField(
        required=False,
        min_value=Decimal("0.01"),
        max_value=Decimal(MAX_MEASURE_QUANTITY),
        max_digits=7,
        decimal_places=3,
        label="How many",
        error_messages={
            "min_value": "Enter how many, above 0.",
            "max_value": f"At most {MAX_MEASURE_QUANTITY:,} of a measure; check the number.",
            "invalid": "Enter how many, such as 1 or 0.5.",
            "max_decimal_places": "Give how many to at most 3 decimal places.",
        },
    )
    preparation = forms.ChoiceField(
        choices=Preparation.choices, required=False, label="Preparation"
    )

    def __init__(self, *args: Any, food: Food | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.food = food
        if food is not None:
            self.fields["portion"].queryset = Portion.objects.filter(food=food)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.errors:
            return data
        if data.get("grams") is not None and data.get("portion") is not None:
            meant = self._meant(data)
            if meant == "grams":
                data["portion"] = data["portion_quantity"] = None
            elif meant == "measure":
                data["grams"] = None
            else:
                self.add_error("grams", GRAMS_OR_MEASURE)
                return data
        if data.get("portion") is not None:
            quantity = data.get("portion_quantity")
            if quantity is None:
                self.add_error("portion_quantity", "Enter how many of the measure.")
            elif float(quantity) * data["portion"].grams > MAX_PORTION_GRAMS:
                self.add_error(
                    "portion_quantity",
                    f"That is over {MAX_PORTION_GRAMS:,} g of one food; check the number.",
                )
        elif data.get("grams") is None:
            self.add_error("grams", "Enter the grams, or pick a household measure.")
        data["preparation"] = data.get("preparation") or Preparation.NONE
        return data

    def _meant(self, data: dict[str, Any]) -> str | None:
        """Which of the two the person changed from what the form showed, "grams" or
        "measure"; None when both changed, neither did, or the post does not say."""
        shown: dict[str, str] = {}
        for name in AMOUNT_SHOWN:
            key = self.add_prefix(f"{name}_shown")
            if key not in self.data:
                return None
            shown[name] = str(self.data.get(key) or "")
        grams_changed = _number(shown["grams"]) != Decimal(str(data["grams"]))
        count_changed = _number(shown["portion_quantity"]) != data.get("portion_quantity")
        measure_changed = count_changed or shown["portion"].strip() != str(data["portion"].pk)
        if grams_changed != measure_changed:
            return "grams" if grams_changed else "measure"
        return None


def amount_kwargs(cleaned_data: dict[str, Any]) -> dict[str, Any]:
    """The amount an `AmountForm` cleaned, as the keyword arguments the item and ingredient
    services take (`grams`, `portion`, `portion_quantity`, `preparation`)."""
    return {
        "grams": cleaned_data["grams"],
        "portion": cleaned_data["portion"],
        "portion_quantity": cleaned_data["portion_quantity"],
        "preparation": cleaned_data["preparation"],
    }


class MealItemAddForm(AmountForm):
    food = forms.IntegerField(
        label="Food",
        widget=forms.HiddenInput,
        error_messages={"required": "Pick a food from the list.", "invalid": "Pick a food."},
    )

    field_order = ["food", "grams", "portion", "portion_quantity", "preparation"]

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        self.user = user
        super().__init__(*args, **kwargs)
        if self.is_bound:
            self.food = food_picked_by(
                user=user, pk=parse_id(self.data.get(self.add_prefix("food")))
            )
            if self.food is not None:
                self.fields["portion"].queryset = Portion.objects.filter(food=self.food)

    def clean_food(self) -> Food:
        # A food the person may not see is as unknown as one that does not exist.
        if self.food is None:
            raise forms.ValidationError("That food is not in the database. Pick one from the list.")
        return self.food


class MealNameForm(forms.Form):
    name = forms.CharField(
        max_length=60,
        label="Meal name",
        error_messages={"required": "Give the meal a name."},
    )


class MealMoveForm(forms.Form):
    direction = forms.ChoiceField(choices=[("up", "Up"), ("down", "Down")])


class DayNotesForm(forms.Form):
    notes = forms.CharField(
        required=False,
        max_length=4000,
        label="Notes for this day",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    # The notes as the page showed them: the save checks these against the stored notes
    # instead of the day's version (plans.services.day_notes_update). Compared, never saved.
    notes_seen = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean_notes_seen(self) -> str | None:
        # Not sent (a page rendered before the field, an API-like post): None, and the
        # day's version decides, as for every other write.
        seen: str = self.cleaned_data["notes_seen"]
        return seen if "notes_seen" in self.data else None


# ---------------------------------------------------------------- supplements, copies, templates


def _meal_choices(meals: list[Any]) -> list[tuple[str, str]]:
    return [("", "On its own")] + [(str(meal.pk), f"With {meal.name}") for meal in meals]


class SupplementDoseFields(forms.Form):
    """How many units, and when: with one of the day's meals, or on its own at a time."""

    quantity = DecimalField(
        min_value=Decimal("0.25"),
        max_value=Decimal(20),
        max_digits=6,
        decimal_places=2,
        initial=Decimal(1),
        label="Tablets, capsules or scoops",
        error_messages={
            "min_value": "Enter at least a quarter of a tablet.",
            "max_value": "At most 20 at a time; check the number.",
            "invalid": "Enter a number, such as 1 or 0.5.",
            "max_decimal_places": "Give it to at most 2 decimal places, such as 0.25.",
        },
    )
    meal = forms.ChoiceField(required=False, label="Taken", choices=[("", "On its own")])
    taken_at = forms.TimeField(
        required=False,
        label="At",
        widget=forms.TimeInput(attrs={"type": "time"}),
        error_messages={"invalid": "Enter a time such as 21:30."},
    )

    def __init__(self, *args: Any, meals: list[Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.meals = {meal.pk: meal for meal in meals or []}
        self.fields["meal"].choices = _meal_choices(list(self.meals.values()))

    def clean_meal(self) -> Any:
        raw = self.cleaned_data.get("meal")
        return self.meals.get(int(raw)) if raw else None


class SupplementAmountFields(forms.Form):
    """A product's amount as its label gives it: magnesium (compound or elemental mg),
    calcium mg or vitamin D IU; shared by the log form and the dose edit form."""

    amount_mg = forms.FloatField(
        required=False,
        min_value=0.1,
        max_value=5000,
        label="Magnesium on the label (mg)",
        error_messages={
            "min_value": "Enter an amount above 0 mg.",
            "max_value": "At most 5,000 mg per tablet; check the label.",
            "invalid": "Enter the number printed on the label, such as 500.",
        },
    )
    amount_basis = forms.ChoiceField(
        choices=[
            ("compound", "the compound (e.g. “500 mg magnesium citrate”)"),
            ("elemental", "elemental magnesium (e.g. “magnesium (as citrate) 100 mg”)"),
        ],
        initial="compound",
        label="The label's number is",
        widget=forms.RadioSelect,
    )
    calcium_mg = forms.FloatField(
        required=False,
        min_value=0.1,
        max_value=5000,
        label="Calcium per tablet (mg)",
        error_messages={
            "min_value": "Enter an amount above 0 mg.",
            "max_value": "At most 5,000 mg per tablet; check the label.",
            "invalid": "Enter the number printed on the label, such as 500.",
        },
    )
    vitamin_d_iu = forms.FloatField(
        required=False,
        min_value=1,
        max_value=100000,
        label="Vitamin D per tablet (IU)",
        error_messages={
            "min_value": "Enter at least 1 IU.",
            "max_value": "At most 100,000 IU per tablet; check the label.",
            "invalid": "Enter the number printed on the label, such as 1000.",
        },
    )


SUPPLEMENT_AMOUNT_NAMES = ("amount_mg", "amount_basis", "calcium_mg", "vitamin_d_iu")


def supplement_amount_kwargs(cleaned_data: dict[str, Any]) -> dict[str, Any]:
    """The label amounts a `SupplementAmountFields` form cleaned, as keyword arguments of
    supplement_log and supplement_dose_update.

    An amount the form does not offer or the person left blank is left out, so each service's
    default says what it means: nothing on a new label (supplement_log: no magnesium, 0 mg
    calcium, 0 IU vitamin D), the product's own amount on an edited dose.
    """
    return {
        name: cleaned_data[name]
        for name in SUPPLEMENT_AMOUNT_NAMES
        if cleaned_data.get(name) is not None
    }


# What the log form's label fields say instead of "(optional)": the kind that needs them.
LOG_FIELD_NEEDED_FOR = {
    "form": "needed for magnesium",
    "amount_mg": "needed for magnesium",
    "calcium_mg": "needed for a calcium tablet",
    "vitamin_d_iu": "needed for vitamin D",
}


class SupplementLogForm(SupplementDoseFields, SupplementAmountFields):
    """A supplement as its label states it; saved to "my supplements" unless unticked."""

    kind = forms.ChoiceField(
        choices=[
            ("magnesium", "Magnesium"),
            ("calcium", "Calcium tablet"),
            ("vitamin_d", "Vitamin D"),
        ],
        initial="magnesium",
        label="Supplement",
        widget=forms.RadioSelect,
    )
    form = forms.ChoiceField(required=False, label="Magnesium form")
    name = forms.CharField(
        required=False, max_length=120, label="Name on your list", help_text="Blank: named for you."
    )
    save_product = forms.BooleanField(
        required=False, initial=True, label="Save to my supplements for other days"
    )

    field_order = [
        "kind",
        "form",
        "amount_mg",
        "amount_basis",
        "calcium_mg",
        "vitamin_d_iu",
        "quantity",
        "meal",
        "taken_at",
        "name",
        "save_product",
    ]

    def __init__(self, *args: Any, client_name: str | None = None, **kwargs: Any) -> None:
        """`client_name`: a dietitian logs on a client's day, whose list the product joins."""
        from plans.supplements import FORMS

        super().__init__(*args, **kwargs)
        if client_name:
            self.fields["name"].label = f"Name on {client_name}'s list"
            save = self.fields["save_product"]
            save.label = f"Save to {client_name}'s supplements for other days"
        self.fields["form"].choices = [("", "Pick the form on the label")] + [
            (key, spec.label) for key, spec in FORMS.items()
        ]
        # Whether a label field is needed depends on the kind picked, so the label says when
        # rather than "(optional)" (templates/macros/forms.html); a value given for a kind
        # that does not carry it is refused (plans.services.supplement_product_create).
        for name, when in LOG_FIELD_NEEDED_FOR.items():
            self.fields[name].optional_note = when
        calcium = self.fields["calcium_mg"]
        calcium.help_text = (
            "Also for a magnesium tablet with calcium: it counts in the day's calcium."
        )
        self.fields["vitamin_d_iu"].help_text = (
            "For a vitamin D product. A tablet with magnesium or calcium too: log its vitamin D "
            "as a second product."
        )


# The amount fields each kind of product is entered with (the log form shows them all).
DOSE_AMOUNT_FIELDS = {
    "magnesium": ("amount_mg", "amount_basis"),
    "calcium": ("calcium_mg",),
    "vitamin_d": ("vitamin_d_iu",),
}
# And those a kind may carry too: a magnesium tablet may list calcium (a combined tablet).
DOSE_OPTIONAL_AMOUNT_FIELDS = {"magnesium": ("calcium_mg",)}


class SupplementDoseEditForm(SupplementDoseFields, SupplementAmountFields):
    """A logged dose: its product's amount as the label gives it, how many, and when.

    Only the amount fields of the dose's kind are offered; the service checks what is
    entered as it checks the log form's (plans.services.supplement_dose_update).
    """

    field_order = [
        "amount_mg",
        "amount_basis",
        "calcium_mg",
        "vitamin_d_iu",
        "quantity",
        "meal",
        "taken_at",
    ]

    def __init__(self, *args: Any, kind: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        needed = DOSE_AMOUNT_FIELDS.get(kind, ())
        self.optional = DOSE_OPTIONAL_AMOUNT_FIELDS.get(kind, ())
        for name in ("amount_mg", "amount_basis", "calcium_mg", "vitamin_d_iu"):
            if name in needed:
                # Optional on the log form (which kind is chosen decides), needed here.
                self.fields[name].required = True
                self.fields[name].error_messages["required"] = "Enter the amount on the label."
            elif name in self.optional:
                self.fields[name].help_text = "For a tablet with calcium too; blank: none."
            else:
                del self.fields[name]

    def clean_calcium_mg(self) -> float | None:
        """Blank calcium on a magnesium tablet is none (0 mg), not "keep the product's":
        emptying the field is how a combined tablet's calcium is taken off."""
        calcium: float | None = self.cleaned_data.get("calcium_mg")
        if calcium is None and "calcium_mg" in self.optional:
            return 0.0
        return calcium


class DayCopyForm(forms.Form):
    """Days ticked from the offered fortnight, and/or a range; append or replace."""

    dates = forms.MultipleChoiceField(
        required=False, label="Copy to these days", widget=forms.CheckboxSelectMultiple
    )
    range_from = forms.DateField(
        required=False,
        label="From",
        widget=date_input(),
    )
    range_until = forms.DateField(
        required=False,
        label="Until",
        widget=date_input(),
    )
    mode = forms.ChoiceField(
        choices=[
            ("append", "Add to what those days already have"),
            ("replace", "Replace those days (their meals, supplements and notes are removed)"),
        ],
        label="When a day already has food",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether to add to those days or replace them."},
    )

    def __init__(self, *args: Any, offered: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["dates"].choices = [
            (on.isoformat(), on.strftime("%a %-d %b")) for on in offered
        ]

    def clean(self) -> dict[str, Any]:
        from datetime import date, timedelta

        data = super().clean()
        chosen = {date.fromisoformat(value) for value in data.get("dates") or []}
        start, end = data.get("range_from"), data.get("range_until")
        if (start is None) != (end is None):
            self.add_error("range_until" if end is None else "range_from", "Give both ends.")
        elif start is not None and end is not None:
            if end < start:
                self.add_error("range_until", "The range must end on or after its start.")
            elif (end - start).days + 1 > MAX_COPY_TARGETS:
                self.add_error(
                    "range_until", f"A range covers at most {MAX_COPY_TARGETS} days at a time."
                )
            else:
                chosen |= {start + timedelta(days=n) for n in range((end - start).days + 1)}
        data["targets"] = sorted(chosen)
        return data


class MealCopyForm(forms.Form):
    date = forms.DateField(
        label="Day",
        widget=date_input(),
        error_messages={"required": "Pick the day to copy to.", "invalid": "Enter a date."},
    )
    meal_name = forms.CharField(
        max_length=60,
        label="Into the meal",
        help_text="An existing meal of that day, or a new name.",
        error_messages={"required": "Name the meal to copy into."},
    )


class MealTemplateSaveForm(forms.Form):
    name = forms.CharField(
        max_length=120,
        label="Template name",
        error_messages={"required": "Give the template a name."},
    )


class MealTemplateInsertForm(forms.Form):
    template = forms.ModelChoiceField(
        queryset=None,
        label="Template",
        empty_label="Pick a template",
        error_messages={
            "required": "Pick a template.",
            "invalid_choice": "Pick one of your templates.",
        },
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        from plans.models import MealTemplate

        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = MealTemplate.objects.filter(owner=user).order_by("name")
