"""What the scoring engine needs to know about a food, as a plain value (no Django)."""

from dataclasses import dataclass


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
