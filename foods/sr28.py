"""Read the USDA SR28 ASCII release (no Django).

The files are latin-1, CRLF, `^`-separated, with text fields wrapped in `~` (sr28_doc.pdf,
chapter 3). NUT_DATA may be shipped plain or gzipped (NUT_DATA.txt.gz), so both are accepted.
Only the foods, their food groups, the nutrients mgplanner stores and the household
portions are read.
"""

import gzip
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import IO

ENCODING = "latin-1"

# SR nutrient numbers (NUTR_DEF.txt) of the values mgplanner stores, by our field name.
NUTRIENT_NUMBERS: dict[str, str] = {
    "kcal_per_100g": "208",
    "protein_g_per_100g": "203",
    "fat_g_per_100g": "204",
    "carbohydrate_g_per_100g": "205",
    "fibre_g_per_100g": "291",
    "magnesium_mg_per_100g": "304",
    "calcium_mg_per_100g": "301",
    "potassium_mg_per_100g": "306",
    "sodium_mg_per_100g": "307",
    "phosphorus_mg_per_100g": "305",
    "zinc_mg_per_100g": "309",
    "iron_mg_per_100g": "303",
    "vitamin_d_ug_per_100g": "328",
    # Not stored on Food, but the antinutrient rules scale by dry matter.
    "water_g_per_100g": "255",
}
NUTRIENT_FIELDS: dict[str, str] = {number: name for name, number in NUTRIENT_NUMBERS.items()}
REQUIRED_FILES = ("FOOD_DES.txt", "FD_GROUP.txt", "WEIGHT.txt")
NUT_DATA_NAMES = ("NUT_DATA.txt", "NUT_DATA.txt.gz")


class SR28Error(Exception):
    """The release is missing a file or a line does not have the documented shape."""


@dataclass(frozen=True, slots=True)
class SR28Portion:
    seq: int
    amount: Decimal
    unit: str
    grams: float


@dataclass(slots=True)
class SR28Food:
    code: str
    description: str
    food_group: str
    food_group_code: str
    nutrients: dict[str, float] = field(default_factory=dict)
    portions: list[SR28Portion] = field(default_factory=list)

    def nutrient(self, name: str) -> float | None:
        return self.nutrients.get(name)


def parse_line(line: str) -> list[str]:
    """One record: split on `^` and drop the `~` text delimiters."""
    fields = line.rstrip("\r\n").split("^")
    return [
        value[1:-1] if len(value) >= 2 and value[0] == value[-1] == "~" else value
        for value in fields
    ]


def _records(handle: IO[str], name: str, min_fields: int) -> Iterator[tuple[int, list[str]]]:
    for number, line in enumerate(handle, start=1):
        if not line.strip():
            continue
        fields = parse_line(line)
        if len(fields) < min_fields:
            raise SR28Error(f"{name} line {number}: {len(fields)} fields, expected {min_fields}")
        yield number, fields


def _open_text(path: Path) -> IO[str]:
    if path.suffix == ".gz":
        return gzip.open(path, "rt", encoding=ENCODING, newline="")
    return path.open(encoding=ENCODING, newline="")


def _number(value: str, name: str, line: int) -> float:
    try:
        return float(value)
    except ValueError:
        raise SR28Error(f"{name} line {line}: {value!r} is not a number") from None


def find_files(directory: Path) -> dict[str, Path]:
    """Paths of the files the reader needs; SR28Error names the first one missing."""
    if not directory.is_dir():
        raise SR28Error(f"SR28 directory not found: {directory}")
    paths: dict[str, Path] = {}
    for name in REQUIRED_FILES:
        path = directory / name
        if not path.is_file():
            raise SR28Error(f"SR28 file missing: {path}")
        paths[name] = path
    for name in NUT_DATA_NAMES:
        if (directory / name).is_file():
            paths["NUT_DATA"] = directory / name
            break
    else:
        raise SR28Error(f"SR28 file missing: {directory / 'NUT_DATA.txt'} (or NUT_DATA.txt.gz)")
    return paths


def read_sr28(directory: Path) -> dict[str, SR28Food]:
    """Every food of the release by NDB number, with group name, nutrients and portions."""
    paths = find_files(directory)

    with _open_text(paths["FD_GROUP.txt"]) as handle:
        groups = {fields[0]: fields[1] for _, fields in _records(handle, "FD_GROUP.txt", 2)}

    foods: dict[str, SR28Food] = {}
    with _open_text(paths["FOOD_DES.txt"]) as handle:
        for line, fields in _records(handle, "FOOD_DES.txt", 3):
            code, group_code, description = fields[0], fields[1], fields[2]
            if group_code not in groups:
                raise SR28Error(f"FOOD_DES.txt line {line}: unknown food group {group_code!r}")
            if code in foods:
                raise SR28Error(f"FOOD_DES.txt line {line}: duplicate NDB number {code}")
            foods[code] = SR28Food(
                code=code,
                description=description,
                food_group=groups[group_code],
                food_group_code=group_code,
            )

    nut_name = paths["NUT_DATA"].name
    with _open_text(paths["NUT_DATA"]) as handle:
        for line, fields in _records(handle, nut_name, 3):
            name = NUTRIENT_FIELDS.get(fields[1])
            if name is None:
                continue
            food = foods.get(fields[0])
            if food is None:
                raise SR28Error(f"{nut_name} line {line}: unknown NDB number {fields[0]}")
            food.nutrients[name] = _number(fields[2], nut_name, line)

    with _open_text(paths["WEIGHT.txt"]) as handle:
        for line, fields in _records(handle, "WEIGHT.txt", 5):
            food = foods.get(fields[0])
            if food is None:
                raise SR28Error(f"WEIGHT.txt line {line}: unknown NDB number {fields[0]}")
            try:
                amount = Decimal(fields[2])
            except ArithmeticError:
                raise SR28Error(f"WEIGHT.txt line {line}: amount {fields[2]!r}") from None
            food.portions.append(
                SR28Portion(
                    seq=int(_number(fields[1], "WEIGHT.txt", line)),
                    amount=amount,
                    unit=fields[3],
                    grams=_number(fields[4], "WEIGHT.txt", line),
                )
            )
    for food in foods.values():
        food.portions.sort(key=lambda portion: portion.seq)
    return foods
