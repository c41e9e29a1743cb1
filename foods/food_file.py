"""The shipped food file, foods/data/foods.jsonl: writing and strict reading (no Django).

Line 1 is a header object (format, version, counts, sources); every further line is one
food. `build_food_data` writes it, `load_foods` reads it; the reader refuses the whole file
on the first bad line and names that line, so a load never half-applies a broken file.
"""

import hashlib
import json
import math
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

FORMAT = "mgplanner-foods"
VERSION = 1

NUTRIENT_FIELDS = (
    "kcal_per_100g",
    "protein_g_per_100g",
    "fat_g_per_100g",
    "carbohydrate_g_per_100g",
    "fibre_g_per_100g",
    "magnesium_mg_per_100g",
    "calcium_mg_per_100g",
    "potassium_mg_per_100g",
    "sodium_mg_per_100g",
    "phosphorus_mg_per_100g",
    "zinc_mg_per_100g",
    "iron_mg_per_100g",
    "vitamin_d_ug_per_100g",
)
ANTINUTRIENT_FIELDS = (
    "phytate_mg_per_100g",
    "phytate_basis",
    "phytate_source",
    "oxalate_mg_per_100g",
    "oxalate_basis",
    "oxalate_source",
)
FOOD_KEYS = (
    "code",
    "description",
    "food_group",
    *NUTRIENT_FIELDS,
    *ANTINUTRIENT_FIELDS,
    "portions",
)
PORTION_KEYS = ("seq", "amount", "unit", "grams")
BASES = ("measured", "cited", "estimate")
# Field lengths of foods.models.Food and Portion, checked here so a bad line is named.
MAX_LENGTHS = {
    "code": 16,
    "description": 255,
    "food_group": 80,
    "phytate_source": 500,
    "oxalate_source": 500,
    "unit": 120,
}


class FoodFileError(ValueError):
    """A malformed food file; the message starts with the line number."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line


@dataclass(frozen=True, slots=True)
class PortionRecord:
    seq: int
    amount: Decimal
    unit: str
    grams: float


@dataclass(frozen=True, slots=True)
class FoodRecord:
    line: int
    code: str
    description: str
    food_group: str
    nutrients: dict[str, float | None]
    phytate_mg_per_100g: float
    phytate_basis: str
    phytate_source: str
    oxalate_mg_per_100g: float
    oxalate_basis: str
    oxalate_source: str
    portions: tuple[PortionRecord, ...]

    def values(self) -> dict[str, Any]:
        """The Food model's field values, by field name."""
        return {
            "description": self.description,
            "food_group": self.food_group,
            **self.nutrients,
            "phytate_mg_per_100g": self.phytate_mg_per_100g,
            "phytate_basis": self.phytate_basis,
            "phytate_source": self.phytate_source,
            "oxalate_mg_per_100g": self.oxalate_mg_per_100g,
            "oxalate_basis": self.oxalate_basis,
            "oxalate_source": self.oxalate_source,
        }


@dataclass(frozen=True, slots=True)
class FoodFile:
    header: dict[str, Any]
    foods: tuple[FoodRecord, ...]
    sha256: str

    @property
    def portion_count(self) -> int:
        return sum(len(food.portions) for food in self.foods)


def dumps(obj: dict[str, Any]) -> str:
    # Fixed key order (insertion), no spaces, Python's shortest float repr: a rebuild from
    # the same inputs gives the same bytes.
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def write_lines(header: dict[str, Any], foods: Iterable[dict[str, Any]]) -> str:
    lines = [dumps({"format": FORMAT, "version": VERSION, **header})]
    for food in foods:
        if tuple(food) != FOOD_KEYS:
            raise ValueError(f"food {food.get('code')!r}: keys must be {FOOD_KEYS}")
        lines.append(dumps(food))
    return "\n".join(lines) + "\n"


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _string(obj: dict[str, Any], key: str, line: int, where: str = "") -> str:
    value = obj[key]
    if not isinstance(value, str) or not value.strip():
        raise FoodFileError(line, f"{where}{key} must be a non-empty string, got {value!r}")
    limit = MAX_LENGTHS.get(key)
    if limit is not None and len(value) > limit:
        raise FoodFileError(line, f"{where}{key} is longer than {limit} characters")
    return value


def _amount(obj: dict[str, Any], key: str, line: int, *, nullable: bool, where: str = "") -> Any:
    value = obj[key]
    if value is None and nullable:
        return None
    if not _is_number(value):
        raise FoodFileError(line, f"{where}{key} must be a number, got {value!r}")
    if value < 0:
        raise FoodFileError(line, f"{where}{key} must not be negative, got {value!r}")
    return value


def _require_keys(obj: object, keys: tuple[str, ...], line: int, what: str) -> dict[str, Any]:
    if not isinstance(obj, dict):
        raise FoodFileError(line, f"{what} must be a JSON object")
    missing = [key for key in keys if key not in obj]
    if missing:
        raise FoodFileError(line, f"{what} is missing {', '.join(missing)}")
    unknown = sorted(set(obj) - set(keys))
    if unknown:
        raise FoodFileError(line, f"{what} has unknown field {unknown[0]}")
    return obj


def _portion(obj: object, line: int, index: int) -> PortionRecord:
    where = f"portion {index}: "
    portion = _require_keys(obj, PORTION_KEYS, line, f"portion {index}")
    seq = portion["seq"]
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 1:
        raise FoodFileError(line, f"{where}seq must be a whole number from 1, got {seq!r}")
    grams = _amount(portion, "grams", line, nullable=False, where=where)
    if grams == 0:
        raise FoodFileError(line, f"{where}grams must be more than 0")
    amount = _amount(portion, "amount", line, nullable=False, where=where)
    return PortionRecord(
        seq=seq,
        amount=Decimal(str(amount)),
        unit=_string(portion, "unit", line, where),
        grams=float(grams),
    )


def parse_food(text: str, line: int) -> FoodRecord:
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as error:
        raise FoodFileError(line, f"not valid JSON ({error.msg})") from None
    food = _require_keys(obj, FOOD_KEYS, line, "food")
    nutrients: dict[str, float | None] = {}
    for key in NUTRIENT_FIELDS:
        value = _amount(food, key, line, nullable=True)
        nutrients[key] = None if value is None else float(value)
    for nutrient in ("phytate", "oxalate"):
        basis = food[f"{nutrient}_basis"]
        if basis not in BASES:
            raise FoodFileError(line, f"{nutrient}_basis must be one of {', '.join(BASES)}")
    if not isinstance(food["portions"], list):
        raise FoodFileError(line, "portions must be a list")
    portions = tuple(
        _portion(item, line, index) for index, item in enumerate(food["portions"], start=1)
    )
    seqs = [portion.seq for portion in portions]
    if len(set(seqs)) != len(seqs):
        raise FoodFileError(line, "two portions share a seq")
    return FoodRecord(
        line=line,
        code=_string(food, "code", line),
        description=_string(food, "description", line),
        food_group=_string(food, "food_group", line),
        nutrients=nutrients,
        phytate_mg_per_100g=float(_amount(food, "phytate_mg_per_100g", line, nullable=False)),
        phytate_basis=food["phytate_basis"],
        phytate_source=_string(food, "phytate_source", line),
        oxalate_mg_per_100g=float(_amount(food, "oxalate_mg_per_100g", line, nullable=False)),
        oxalate_basis=food["oxalate_basis"],
        oxalate_source=_string(food, "oxalate_source", line),
        portions=portions,
    )


def parse_food_file(data: bytes) -> FoodFile:
    """The whole file, checked line by line; FoodFileError on the first problem."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise FoodFileError(text_line(data, error.start), "not UTF-8") from None
    lines = text.splitlines()
    if not lines:
        raise FoodFileError(1, "empty file, expected a header line")
    try:
        header = json.loads(lines[0])
    except json.JSONDecodeError as error:
        raise FoodFileError(1, f"header is not valid JSON ({error.msg})") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise FoodFileError(1, f"header must be a JSON object with format {FORMAT!r}")
    if header.get("version") != VERSION:
        raise FoodFileError(1, f"unsupported version {header.get('version')!r}, expected {VERSION}")
    foods: list[FoodRecord] = []
    first_line_of: dict[str, int] = {}
    for number, text_of_line in enumerate(lines[1:], start=2):
        if not text_of_line.strip():
            raise FoodFileError(number, "blank line")
        food = parse_food(text_of_line, number)
        if food.code in first_line_of:
            raise FoodFileError(
                number, f"duplicate code {food.code} (first on line {first_line_of[food.code]})"
            )
        first_line_of[food.code] = number
        foods.append(food)
    return FoodFile(header=header, foods=tuple(foods), sha256=hashlib.sha256(data).hexdigest())


def text_line(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1
