"""Food search: query parsing and ranking (pure), and the selector on SQLite and PostgreSQL."""

import pytest

from foods import search
from foods.models import Food
from foods.selectors import KeptFoods, food_search, food_search_page
from mgplanner.page_cache import site_stamp_bump
from tests.factories import FoodFactory, PortionFactory, UserFactory

# (code, description, food group, kcal, mg per 100 g, first portion grams) from SR28.
SR28 = [
    (
        "12014",
        "Seeds, pumpkin and squash seed kernels, dried",
        "Nut and Seed Products",
        559,
        592,
        129,
    ),
    (
        "12016",
        "Seeds, pumpkin and squash seed kernels, roasted, without salt",
        "Nut and Seed Products",
        574,
        550,
        118,
    ),
    (
        "12163",
        "Seeds, pumpkin and squash seeds, whole, roasted, without salt",
        "Nut and Seed Products",
        446,
        262,
        64,
    ),
    (
        "12166",
        "Seeds, sesame butter, tahini, from roasted and toasted kernels (most common type)",
        "Nut and Seed Products",
        595,
        95,
        15,
    ),
    ("15108", "Fish, sunfish, pumpkin seed, raw", "Finfish and Shellfish Products", 89, 30, 48),
    ("11422", "Pumpkin, raw", "Vegetables and Vegetable Products", 26, 12, 116),
    ("19904", "Chocolate, dark, 70-85% cacao solids", "Sweets", 598, 228, 28.35),
    ("19902", "Chocolate, dark, 45- 59% cacao solids", "Sweets", 546, 146, 28.35),
    (
        "19905",
        "Candies, chocolate, dark, NFS (45-59% cacao solids 90%; 60-69% cacao solids 5%; "
        "70-85% cacao solids 5%)",
        "Sweets",
        550,
        152,
        28.35,
    ),
    ("28055", "KEEBLER, CHIPS DELUXE, Dark Chocolate Chunk Cookies", "Baked Products", 518, 33, 32),
    ("11457", "Spinach, raw", "Vegetables and Vegetable Products", 23, 79, 30),
    (
        "11458",
        "Spinach, cooked, boiled, drained, without salt",
        "Vegetables and Vegetable Products",
        23,
        87,
        180,
    ),
    (
        "11463",
        "Spinach, frozen, chopped or leaf, unprepared",
        "Vegetables and Vegetable Products",
        29,
        75,
        156,
    ),
    ("16014", "Beans, black, mature seeds, raw", "Legumes and Legume Products", 341, 171, 194),
    (
        "16015",
        "Beans, black, mature seeds, cooked, boiled, without salt",
        "Legumes and Legume Products",
        132,
        70,
        172,
    ),
    ("06002", "Soup, black bean, canned, condensed", "Soups, Sauces, and Gravies", 91, 30, 257),
    ("12061", "Nuts, almonds", "Nut and Seed Products", 579, 270, 143),
    ("19858", "Candies, sugar-coated almonds", "Sweets", 474, 137, 3.5),
    ("20038", "Oats", "Cereal Grains and Pasta", 389, 177, 156),
    ("20033", "Oat bran, raw", "Cereal Grains and Pasta", 246, 235, 94),
    (
        "01211",
        "Milk, whole, 3.25% milkfat, without added vitamin A and vitamin D",
        "Dairy and Egg Products",
        61,
        10,
        244,
    ),
    (
        "35154",
        "Salmonberries, raw (Alaska Native)",
        "American Indian/Alaska Native Foods",
        47,
        15,
        None,
    ),
    ("15078", "Fish, salmon, chinook, raw", "Finfish and Shellfish Products", 179, 95, 85),
]


def codes(foods: list) -> list[str]:
    return [food.code for food in foods]


@pytest.fixture
def sr28_foods(db: None) -> dict[str, object]:
    made = {}
    for code, description, group, kcal, mg, portion_grams in SR28:
        food = FoodFactory(
            code=code,
            description=description,
            food_group=group,
            kcal_per_100g=kcal,
            magnesium_mg_per_100g=mg,
        )
        if portion_grams is not None:
            PortionFactory(food=food, seq=1, unit="cup", grams=portion_grams)
        made[code] = food
    return made


# ---- query parsing (pure) ----


def test_query_words_split_on_anything_but_letters_and_digits() -> None:
    assert search.query_words('"pumpkin"* -seed OR (dark)') == ["pumpkin", "seed", "or", "dark"]


def test_query_words_drop_plural_endings_and_covered_prefixes() -> None:
    assert search.query_words("Almonds berries tomatoes glass") == [
        "almond",
        "berr",
        "tomato",
        "glass",
    ]
    assert search.query_words("pump pumpkin") == ["pumpkin"]


def test_query_words_fold_case_and_accents() -> None:
    assert search.query_words("JALAPEÑO Crème") == ["jalapeno", "creme"]


def test_query_words_of_punctuation_alone_are_empty() -> None:
    assert search.query_words(' "*-:() ') == []


def test_index_queries_quote_every_prefix() -> None:
    assert search.fts5_match(["or", "near"]) == '"or"* "near"*'
    assert search.tsquery(["dark", "choc"]) == "dark:* & choc:*"


def test_relevance_is_zero_when_a_word_is_missing() -> None:
    assert search.relevance(["pumpkin", "seed"], search.Candidate("Pumpkin, raw")) == 0


def test_relevance_favours_the_food_named_first() -> None:
    seeds = search.Candidate(
        "Seeds, pumpkin and squash seed kernels, dried", "Nut and Seed Products"
    )
    fish = search.Candidate("Fish, sunfish, pumpkin seed, raw", "Finfish and Shellfish Products")
    prefixes = search.query_words("pumpkin seed")
    assert search.relevance(prefixes, seeds) > search.relevance(prefixes, fish)


def test_relevance_favours_a_whole_word_over_a_prefix_of_a_longer_one() -> None:
    prefixes = ["salmon"]
    fish = search.Candidate("Salmon, sockeye, canned, total can contents")
    berries = search.Candidate("Salmonberries, raw (Alaska Native)")
    assert search.relevance(prefixes, fish) > search.relevance(prefixes, berries)


# ---- the selector, on whichever database the suite runs ----


@pytest.mark.parametrize(
    ("query", "top"),
    [
        ("pumpkin seed", "12014"),
        ("seed pumpkin", "12014"),
        ("pumpkin seeds", "12014"),
        ("pump see", "12014"),
        ("spinach", "11457"),
        ("black beans", "16014"),
        ("almonds", "12061"),
        ("oats", "20038"),
        ("milk", "01211"),
        ("salmon", "15078"),
    ],
)
def test_common_queries_put_the_plain_food_first(sr28_foods: dict, query: str, top: str) -> None:
    assert codes(food_search(user=None, query=query))[0] == top


def test_pumpkin_seed_ranks_kernels_then_whole_seeds_then_the_fish(sr28_foods: dict) -> None:
    assert codes(food_search(user=None, query="pumpkin seed")) == [
        "12014",
        "12016",
        "12163",
        "15108",
    ]


def test_dark_chocolate_ranks_the_chocolates_before_candies_and_cookies(sr28_foods: dict) -> None:
    found = codes(food_search(user=None, query="dark chocolate"))
    assert set(found[:2]) == {"19904", "19902"}
    assert found[2:] == ["19905", "28055"]


def test_words_match_as_prefixes_of_words_not_inside_them(sr28_foods: dict) -> None:
    assert "12166" in codes(food_search(user=None, query="sesa"))
    # "ame" is inside "sesame" but starts no word.
    assert codes(food_search(user=None, query="ame")) == []
    assert codes(food_search(user=None, query="tahini kern")) == ["12166"]


def test_numbers_in_descriptions_are_words(sr28_foods: dict) -> None:
    assert codes(food_search(user=None, query="70-85% dark"))[0] == "19904"


@pytest.mark.parametrize(
    "query",
    [
        '"',
        '"pumpkin',
        "pumpkin*",
        "-pumpkin",
        "pumpkin OR",
        "NOT pumpkin",
        "pumpkin AND seed",
        "pumpkin NEAR seed",
        "pumpkin:*",
        "(pumpkin",
        "pumpkin & | !",
        "'; DROP TABLE foods_food; --",
        "seed^2",
        "*",
        "\\",
        "%",
        "_",
    ],
)
def test_special_characters_never_break_the_search(sr28_foods: dict, query: str) -> None:
    found = codes(food_search(user=None, query=query))
    if search.query_words(query) == ["pumpkin"]:
        assert found[0] == "11422"
    assert len(found) <= 30


def test_operator_words_are_searched_as_words(sr28_foods: dict) -> None:
    FoodFactory(code="99001", description="Candies, OR-ange NEAR the NOT jelly")
    assert codes(food_search(user=None, query="or near not")) == ["99001"]


def test_group_filter(sr28_foods: dict) -> None:
    found = codes(food_search(user=None, query="pumpkin", group="Nut and Seed Products"))
    assert found == ["12014", "12016", "12163"]


def test_sort_by_magnesium_per_100g(sr28_foods: dict) -> None:
    found = codes(food_search(user=None, query="spinach", sort="mg_per_100g"))
    assert found == ["11458", "11457", "11463"]


def test_sort_by_magnesium_per_100kcal(sr28_foods: dict) -> None:
    # 79/23 = 343, 87/23 = 378, 75/29 = 259 mg per 100 kcal.
    found = codes(food_search(user=None, query="spinach", sort="mg_per_100kcal"))
    assert found == ["11458", "11457", "11463"]
    found = codes(food_search(user=None, query="oat", sort="mg_per_100kcal"))
    assert found == ["20033", "20038"]


def test_sort_by_magnesium_per_first_portion(sr28_foods: dict) -> None:
    # A cup: cooked 180 g * 0.87 = 157 mg, frozen 156 g * 0.75 = 117 mg, raw 30 g * 0.79 = 24 mg.
    found = codes(food_search(user=None, query="spinach", sort="mg_per_portion"))
    assert found == ["11458", "11463", "11457"]


def test_sort_puts_foods_without_a_portion_last(sr28_foods: dict) -> None:
    found = codes(food_search(user=None, query="salmon", sort="mg_per_portion"))
    assert found == ["15078", "35154"]


def test_unknown_sort_falls_back_to_relevance(sr28_foods: dict) -> None:
    found = codes(food_search(user=None, query="pumpkin seed", sort="price"))
    assert found[0] == "12014"


def test_empty_query_lists_the_richest_foods_first(sr28_foods: dict) -> None:
    assert codes(food_search(user=None, query="", limit=3)) == ["12014", "12016", "12061"]
    assert codes(food_search(user=None, query="  ", group="Sweets", limit=2)) == ["19904", "19905"]
    per_kcal = codes(food_search(user=None, query="", sort="mg_per_100kcal", limit=2))
    assert per_kcal == ["11458", "11457"]


def test_pages_cover_every_match_once(sr28_foods: dict) -> None:
    # Pumpkin (3), sesame, sunfish and black bean seeds (2).
    first = food_search_page(user=None, query="seed", limit=3)
    second = food_search_page(user=None, query="seed", limit=3, offset=first.next_offset)
    third = food_search_page(user=None, query="seed", limit=3, offset=second.next_offset)
    assert (first.total, first.has_more, second.has_more, third.has_more) == (7, True, True, False)
    pages = codes(first.foods) + codes(second.foods) + codes(third.foods)
    assert len(set(pages)) == len(pages) == 7
    assert pages[0] == "12014"


def test_results_carry_their_portions_and_database_foods_are_kept(
    sr28_foods: dict, django_assert_num_queries
) -> None:
    with django_assert_num_queries(4):  # the match, the site stamp (no user), foods, portions
        foods = food_search(user=None, query="spinach raw")
        assert [p.grams for p in foods[0].portions.all()] == [30]
    with django_assert_num_queries(2):  # the match and the stamp: the foods were kept
        again = food_search(user=None, query="spinach raw")
        assert [p.grams for p in again[0].portions.all()] == [30]
    assert again == foods


def test_kept_foods_are_read_again_once_the_site_stamp_changes(sr28_foods: dict) -> None:
    spinach = food_search(user=None, query="spinach raw")[0]
    Food.objects.filter(pk=spinach.pk).update(magnesium_mg_per_100g=80)
    assert food_search(user=None, query="spinach raw")[0].magnesium_mg_per_100g == 79
    site_stamp_bump()  # as the admin and the food load command do after a change
    assert food_search(user=None, query="spinach raw")[0].magnesium_mg_per_100g == 80


def test_custom_foods_are_not_kept(sr28_foods: dict) -> None:
    owner = UserFactory()
    mine = FoodFactory(source="custom", code="c1", description="Spinach pesto", owner=owner)
    assert food_search(user=owner, query="spinach pesto") == [mine]
    Food.objects.filter(pk=mine.pk).update(magnesium_mg_per_100g=123)
    assert food_search(user=owner, query="spinach pesto")[0].magnesium_mg_per_100g == 123


def test_kept_foods_are_bounded_least_recently_used_first(sr28_foods: dict) -> None:
    kept = KeptFoods(size=2)
    first, second, third = (sr28_foods[code].pk for code in ("12014", "12016", "12163"))
    kept.get_many([first, second], stamp=1)
    kept.get_many([first], stamp=1)  # used again: second is now the oldest
    found = kept.get_many([third], stamp=1)
    assert list(found) == [third]
    assert list(kept.foods) == [first, third]
    kept.get_many([first], stamp=2)
    assert list(kept.foods) == [first]


def test_custom_foods_are_found_only_by_their_owner(sr28_foods: dict) -> None:
    owner, other = UserFactory(), UserFactory()
    FoodFactory(
        source="custom", code="c1", description="Pumpkin seed butter, homemade", owner=owner
    )
    assert "c1" in codes(food_search(user=owner, query="pumpkin seed"))
    assert "c1" not in codes(food_search(user=other, query="pumpkin seed"))
    assert "c1" not in codes(food_search(user=None, query="pumpkin seed"))
    assert "c1" not in codes(food_search(user=other, query=""))


def test_index_follows_renames_and_deletes(sr28_foods: dict) -> None:
    food = sr28_foods["11422"]
    food.description = "Calabaza, raw"
    food.save()
    assert codes(food_search(user=None, query="calabaza")) == ["11422"]
    assert "11422" not in codes(food_search(user=None, query="pumpkin"))
    food.delete()
    assert codes(food_search(user=None, query="calabaza")) == []
