"""What the scoring engine needs to know about a food, as a plain value (no Django)."""

from dataclasses import dataclass

# The most of one food planned at once, as a meal item, a recipe ingredient or a household
# portion: above it an amount is a typo, not a meal (5 kg of one food in one sitting), and
# one of 1e308 g overflowed the page.
MAX_PORTION_GRAMS = 5000


def grams_text(grams: float) -> str:
    """ "1,020", "28.4": grams as people read them, to 0.1 g with no trailing ".0", thousands
    separated. One form for a measure wherever it shows (the measure menu, an item's label,
    a recipe's messages), so "1 oz" is 28.4 g on every page."""
    return f"{round(grams, 1):,g}"


@dataclass(frozen=True, slots=True)
class FoodValues:
    """Per-100 g values of one food; missing nutrients are 0 (the engine cannot score a gap)."""

    code: str
    name: str
    magnesium_mg_per_100g: float
    phytate_mg_per_100g: float = 0.0
    oxalate_mg_per_100g: float = 0.0
    calcium_mg_per_100g: float = 0.0
    kcal_per_100g: float = 0.0
    food_group: str = ""
