"""Food search without Django: turn what people type into safe index queries, and rank matches.

The database's full-text index (SQLite FTS5, PostgreSQL tsvector) only finds the candidates:
descriptions holding every typed word as a word prefix. The order is decided here, in one pure
function, so SQLite and PostgreSQL rank the same rows the same way and the ranking can be
tested without a database.

USDA descriptions are comma-separated from general to specific ("Seeds, pumpkin and squash seed
kernels, dried"; "Beans, black, mature seeds, raw"), so a word in the first segment or two names
what the food *is*, while a word further on is usually an ingredient or a detail ("Fish, sunfish,
pumpkin seed, raw"). The rank rewards, in order of weight: every word found near the start,
whole-word matches over bare prefixes, short descriptions, and the plain raw or dried form.
"""

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

# A query longer than this is a paste, not a search; the rest is ignored.
MAX_QUERY_WORDS = 8
MAX_WORD_LENGTH = 40

_WORD = re.compile(r"[^\W_]+")

# Groups of mixed dishes and branded meals: a word found there is usually an ingredient of
# something else ("milk" in a fast-food shake), so they rank below the plain food unless the
# query names them.
_SIDE_GROUPS = frozenset(
    {
        "Baby Foods",
        "Fast Foods",
        "Restaurant Foods",
        "Meals, Entrees, and Side Dishes",
        "American Indian/Alaska Native Foods",
    }
)
# Words that mark the plain form people usually mean, with how much they lift a food.
_PLAIN_WORDS = {"raw": 6.0, "dried": 2.0}
# Words that mark a prepared or processed variant.
_PREPARED_WORDS = frozenset(
    {"prepared", "canned", "frozen", "salt", "sweetened", "babyfood", "imitation", "mix"}
)


def fold(text: str) -> str:
    """Lower case without accents, as both indexes store words ("Jalapeño" -> "jalapeno")."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def words_of(text: str) -> list[str]:
    """The index words of a text: runs of letters and digits, folded ("70-85%" -> 70, 85)."""
    return _WORD.findall(fold(text))


@lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    """Drop a plural ending so "almonds" also finds "Almond paste" and "berries" finds "berry".

    Only for words long enough that the stem still narrows the search.
    """
    for suffix, keep in (("ies", 4), ("es", 4), ("s", 3)):
        if word.endswith(suffix) and not word.endswith("ss") and len(word) - len(suffix) >= keep:
            return word[: -len(suffix)]
    return word


def query_words(query: str) -> list[str]:
    """The prefixes to look up, one per distinct typed word, in the order typed.

    Everything that is not a letter or digit separates words, so quotes, `*`, `-`, `:`,
    parentheses and the like can never reach the index query as syntax.
    """
    prefixes: list[str] = []
    for word in words_of(query)[:MAX_QUERY_WORDS]:
        prefix = _stem(word[:MAX_WORD_LENGTH])
        if prefix not in prefixes:
            prefixes.append(prefix)
    # A prefix that another one starts with adds nothing ("pump pumpkin" is "pumpkin").
    return [p for p in prefixes if not any(o != p and o.startswith(p) for o in prefixes)]


def fts5_match(prefixes: Sequence[str]) -> str:
    """An SQLite FTS5 MATCH expression: every prefix, each a quoted string.

    Quoting makes AND, OR, NOT and NEAR plain words; the words hold no quotes to escape.
    """
    return " ".join(f'"{prefix}"*' for prefix in prefixes)


def tsquery(prefixes: Sequence[str]) -> str:
    """A PostgreSQL to_tsquery('simple', ...) text: every prefix, as `word:*`, joined by AND."""
    return " & ".join(f"{prefix}:*" for prefix in prefixes)


@dataclass(frozen=True, slots=True)
class Candidate:
    """What ranking needs to know of a food the index found."""

    description: str
    food_group: str = ""


def _forms(words: Iterable[str]) -> frozenset[str]:
    """Each word and its singular: what a prefix must equal to be the whole word."""
    return frozenset(words) | {_stem(word) for word in words}


@lru_cache(maxsize=64)
def _group_text(food_group: str) -> str:
    return " " + " ".join(words_of(food_group))


def relevance(prefixes: Sequence[str], candidate: Candidate) -> float:
    """How well a description answers the query: higher is better, 0 when a word is missing.

    Called for every candidate the index finds, so it works on strings, not word loops.
    """
    if not prefixes:
        return 0.0
    folded = fold(candidate.description)
    segments = [words for words in map(_WORD.findall, folded.split(",")) if words] or [[]]
    # " pumpkin and squash seed kernels": a prefix starts a word where " " + prefix occurs.
    texts = [" " + " ".join(words) for words in segments]
    best_segment: list[int] = []
    for prefix in prefixes:
        needle = " " + prefix
        for index, text in enumerate(texts):
            if needle in text:
                best_segment.append(index)
                break
        else:
            return 0.0

    count = len(prefixes)
    typed = frozenset(prefixes)
    head = segments[0]
    all_words = [word for words in segments for word in words]
    whole_matches = len(typed & _forms(all_words))
    whole_in_head = len(typed & _forms(head))

    score = 100.0
    # The food itself is named first: a query word opening the description counts most,
    # the whole word ("Salmon, ...") more than a prefix of a longer one ("Salmonberries").
    if head and best_segment and any(head[0].startswith(prefix) for prefix in prefixes):
        score += 30 if typed & _forms(head[:1]) else 15
    in_head = best_segment.count(0)
    score += (12.5 * in_head + 12.5 * whole_in_head) / count
    score += 15 * sum(1 for index in best_segment if index <= 1) / count
    score += 12 * whole_matches / count
    # A first segment that is all query ("Milk, ..." for "milk") names the food exactly;
    # "Milk shakes" and "Oat bran" are other foods.
    covered = sum(1 for word in head if word in typed or _stem(word) in typed)
    score += 10 * covered / max(len(head), 1)
    # A word opening a later segment is a kind ("Nuts, almonds"), not an ingredient
    # ("Candies, sugar-coated almonds").
    openers = _forms([words[0] for words in segments[1:3]])
    score += 5 * len(typed & openers) / count
    # Shorter is more general: "Spinach, raw" before "Spinach, canned, regular pack, drained".
    score -= 2.0 * len(segments) + 0.3 * len(all_words)

    vocabulary = set(all_words)
    if not typed & _PLAIN_WORDS.keys():
        score += max((_PLAIN_WORDS[word] for word in vocabulary & _PLAIN_WORDS.keys()), default=0)
    prepared = {word for word in vocabulary & _PREPARED_WORDS if _stem(word) not in typed}
    score -= 3 * len(prepared)
    if candidate.food_group in _SIDE_GROUPS:
        group_text = _group_text(candidate.food_group)
        if not any(" " + prefix in group_text for prefix in prefixes):
            score -= 20
    return score
