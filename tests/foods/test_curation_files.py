"""Shape checks for the curated phytate/oxalate files in foods/data/curation.

Pure: reads only the committed CSV files (never /work/shared), no database.
The build command checks the descriptions against SR28 itself; these tests catch
malformed rows before anyone runs it.
"""

import csv
import re
from collections import Counter
from pathlib import Path

import pytest

CURATION_DIR = Path(__file__).resolve().parents[2] / "foods" / "data" / "curation"
MAP_PATH = CURATION_DIR / "ifct_to_sr28.csv"
LITERATURE_PATH = CURATION_DIR / "literature_values.csv"

MAP_COLUMNS = [
    "sr28_code",
    "sr28_description",
    "ifct_code",
    "ifct_name",
    "nutrients",
    "adjust",
    "note",
]
LITERATURE_COLUMNS = [
    "sr28_code",
    "sr28_description",
    "nutrient",
    "mg_per_100g",
    "citation",
    "note",
]

# Upper bounds are generous plausibility limits, not data: the richest foods are
# wheat/rice bran (~7-9 g phytate per 100 g) and dried purslane/parsley-type greens.
MAX_MG_PER_100G = {"phytate": 10_000.0, "oxalate": 3_000.0}
MIN_DISTINCT_SR28_CODES = 300
SR28_CODE = re.compile(r"^\d{5}$")
IFCT_CODE = re.compile(r"^[A-Z]\d{3}$")


def _read(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


@pytest.fixture(scope="module")
def map_file() -> tuple[list[str], list[dict[str, str]]]:
    return _read(MAP_PATH)


@pytest.fixture(scope="module")
def literature_file() -> tuple[list[str], list[dict[str, str]]]:
    return _read(LITERATURE_PATH)


def test_map_header(map_file: tuple[list[str], list[dict[str, str]]]) -> None:
    header, rows = map_file
    assert header == MAP_COLUMNS
    assert rows, "the IFCT map has no rows"


def test_literature_header(literature_file: tuple[list[str], list[dict[str, str]]]) -> None:
    header, rows = literature_file
    assert header == LITERATURE_COLUMNS
    assert rows, "the literature file has no rows"


def test_map_rows_are_well_formed(map_file: tuple[list[str], list[dict[str, str]]]) -> None:
    _, rows = map_file
    for line, row in enumerate(rows, start=2):
        assert SR28_CODE.match(row["sr28_code"]), f"line {line}: sr28_code {row['sr28_code']!r}"
        assert IFCT_CODE.match(row["ifct_code"]), f"line {line}: ifct_code {row['ifct_code']!r}"
        assert row["nutrients"] in {"phytate", "oxalate", "both"}, f"line {line}: nutrients"
        assert row["adjust"] in {"none", "moisture"}, f"line {line}: adjust"
        for column in ("sr28_description", "ifct_name", "note"):
            assert row[column].strip(), f"line {line}: empty {column}"


def test_map_has_no_duplicate_pairs(map_file: tuple[list[str], list[dict[str, str]]]) -> None:
    _, rows = map_file
    pairs = Counter((row["sr28_code"], row["ifct_code"]) for row in rows)
    assert [pair for pair, count in pairs.items() if count > 1] == []


def test_literature_rows_are_well_formed(
    literature_file: tuple[list[str], list[dict[str, str]]],
) -> None:
    _, rows = literature_file
    for line, row in enumerate(rows, start=2):
        assert SR28_CODE.match(row["sr28_code"]), f"line {line}: sr28_code {row['sr28_code']!r}"
        assert row["nutrient"] in MAX_MG_PER_100G, f"line {line}: nutrient {row['nutrient']!r}"
        value = float(row["mg_per_100g"])  # raises on a non-number, which fails the test
        assert 0 <= value <= MAX_MG_PER_100G[row["nutrient"]], f"line {line}: {value} mg/100 g"
        assert row["citation"].strip(), f"line {line}: empty citation"
        assert row["sr28_description"].strip(), f"line {line}: empty sr28_description"
        assert row["note"].strip(), f"line {line}: empty note"


def test_literature_has_one_value_per_food_and_nutrient(
    literature_file: tuple[list[str], list[dict[str, str]]],
) -> None:
    _, rows = literature_file
    keys = Counter((row["sr28_code"], row["nutrient"]) for row in rows)
    assert [key for key, count in keys.items() if count > 1] == []


def test_map_and_literature_never_give_the_same_nutrient_twice(
    map_file: tuple[list[str], list[dict[str, str]]],
    literature_file: tuple[list[str], list[dict[str, str]]],
) -> None:
    # One source per (food, nutrient) keeps the build free of silent precedence rules.
    _, map_rows = map_file
    _, literature_rows = literature_file
    from_map = {
        (row["sr28_code"], nutrient)
        for row in map_rows
        for nutrient in (
            ("phytate", "oxalate") if row["nutrients"] == "both" else (row["nutrients"],)
        )
    }
    from_literature = {(row["sr28_code"], row["nutrient"]) for row in literature_rows}
    assert sorted(from_map & from_literature) == []


def test_files_are_sorted_by_sr28_code(
    map_file: tuple[list[str], list[dict[str, str]]],
    literature_file: tuple[list[str], list[dict[str, str]]],
) -> None:
    for _, rows in (map_file, literature_file):
        codes = [row["sr28_code"] for row in rows]
        assert codes == sorted(codes)


def test_together_they_cover_enough_foods(
    map_file: tuple[list[str], list[dict[str, str]]],
    literature_file: tuple[list[str], list[dict[str, str]]],
) -> None:
    _, map_rows = map_file
    _, literature_rows = literature_file
    codes = {row["sr28_code"] for row in map_rows} | {row["sr28_code"] for row in literature_rows}
    assert len(codes) >= MIN_DISTINCT_SR28_CODES
