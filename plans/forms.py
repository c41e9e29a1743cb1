"""Forms for the day page: parse and check input; the services own the writes."""

from decimal import Decimal
from typing import Any

from django import forms

from accounts.models import User
from foods.models import Food, Portion
from plans.models import MAX_ITEM_GRAMS, Preparation


class AmountForm(forms.Form):
    """An amount as grams, or as a number of one of the food's household measures."""

    grams = forms.FloatField(
        required=False,
        min_value=0.1,
        max_value=MAX_ITEM_GRAMS,
        label="Grams",
        error_messages={
            "min_value": "Enter an amount above 0 g.",
            "max_value": f"At most {MAX_ITEM_GRAMS:,} g of one food.",
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
    portion_quantity = forms.DecimalField(
        required=False,
        min_value=Decimal("0.01"),
        max_value=Decimal(1000),
        max_digits=7,
        decimal_places=3,
        label="How many",
        error_messages={"min_value": "Enter how many, above 0."},
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
        if data.get("portion") is not None:
            quantity = data.get("portion_quantity")
            if quantity is None:
                self.add_error("portion_quantity", "Enter how many of the measure.")
            elif float(quantity) * data["portion"].grams > MAX_ITEM_GRAMS:
                self.add_error(
                    "portion_quantity",
                    f"That is over {MAX_ITEM_GRAMS:,} g of one food; check the number.",
                )
        elif data.get("grams") is None:
            self.add_error("grams", "Enter the grams, or pick a household measure.")
        data["preparation"] = data.get("preparation") or Preparation.NONE
        return data


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
            raw = self.data.get(self.add_prefix("food"))
            self.food = None
            if raw and str(raw).isdigit():
                self.food = Food.objects.visible_to(user).filter(pk=int(raw)).first()
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
