"""Text to learn word vectors from: the LLM engine's story world, a small built-in corpus, or a user's file.

The built-in corpus is made from sentence templates with word groups (animals, days, colours…),
so words of a group share their neighbours, and a few hundred training steps already pull
each group together.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

WORD_RE = re.compile(r"[a-z]+(?:'[a-z]+)?")
MAX_CORPUS_BYTES = 50 * 1024**2

GROUPS: dict[str, tuple[str, ...]] = {
    "animals": ("dog", "cat", "horse", "cow", "sheep", "rabbit"),
    "days": ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"),
    "colours": ("red", "blue", "green", "yellow", "purple", "orange"),
    "food": ("bread", "cheese", "apple", "soup", "cake", "rice"),
    "royalty": ("king", "queen", "prince", "princess"),
    "numbers": ("two", "three", "four", "five", "six"),
}

_TEMPLATES: dict[str, tuple[str, ...]] = {
    "animals": ("the {w} ate grass in the field", "my {w} sleeps by the warm fire", "the farmer fed the {w} at dawn",
                "a small {w} ran across the yard", "the {w} drank water from the pond", "we heard the {w} in the barn"),
    "days": ("on {w} we go to school", "the market opens every {w} morning", "see you next {w} after work",
             "last {w} it rained all day", "the shop is closed on {w}", "our lesson moved to {w} afternoon"),
    "colours": ("she painted the door {w}", "he wore a bright {w} coat", "the sky turned {w} at sunset",
                "a {w} flower grew by the wall", "they chose the {w} paint", "her {w} scarf was soft"),
    "food": ("we ate {w} for lunch", "she baked fresh {w} today", "the {w} tasted good with tea",
             "he bought {w} at the market", "a plate of {w} sat on the table", "mother cooked {w} for dinner"),
    "royalty": ("the {w} ruled the kingdom", "the {w} sat on the golden throne", "people bowed to the {w}",
                "the {w} wore a crown", "the {w} lived in the castle", "the {w} spoke to the court"),
    "numbers": ("she counted {w} apples", "he waited {w} hours", "we saw {w} birds on the roof",
                "the child was {w} years old", "they bought {w} tickets", "it costs {w} coins"),
}


@dataclass(frozen=True)
class Corpus:
    """Tokens to train on, where they came from, and which words are worth watching."""

    name: str
    tokens: list[str]
    watch: tuple[str, ...] = ()
    groups: dict[str, str] | None = None  # word → group, for colouring points
    note: str = ""


def tokenize(text: str) -> list[str]:
    """Lower-case words (apostrophes kept inside words: don't, king's)."""
    return WORD_RE.findall(text.lower())


def builtin_text(seed: int = 0, sentences: int = 3000) -> str:
    """Sentences from templates: each group's words appear in the same kinds of sentences."""
    rng = random.Random(seed)
    names = list(GROUPS)
    out = []
    for _ in range(sentences):
        group = rng.choice(names)
        out.append(rng.choice(_TEMPLATES[group]).format(w=rng.choice(GROUPS[group])) + ".")
    return " ".join(out)


def group_of(words: Sequence[str]) -> dict[str, str]:
    lookup = {w: g for g, ws in GROUPS.items() for w in ws}
    return {w: lookup.get(w, "other") for w in words}


def builtin_corpus(seed: int = 0, sentences: int = 3000) -> Corpus:
    tokens = tokenize(builtin_text(seed, sentences))
    watch = tuple(w for ws in GROUPS.values() for w in ws)
    return Corpus("built-in sentences", tokens, watch, group_of(watch))


def _story_text(story) -> str:
    if isinstance(story, str):
        return story
    for attr in ("text", "corpus", "stories"):
        value = getattr(story, attr, None)
        if isinstance(value, str):
            return value
        if isinstance(value, (list, tuple)):
            return "\n".join(map(str, value))
    if isinstance(story, (list, tuple)):
        return "\n".join(map(str, story))
    return str(story)


def story_world_corpus(seed: int = 0, target_chars: int = 300_000) -> Corpus:
    """The LLM engine's generated story world; falls back to the built-in corpus (with a note) if it is missing."""
    try:
        from engines.llm.storyworld import generate_story_world  # noqa: PLC0415 - lazy, optional
    except ImportError as exc:
        fallback = builtin_corpus(seed)
        return Corpus(fallback.name, fallback.tokens, fallback.watch, fallback.groups,
                      note=f"story world not available ({exc}); using the built-in sentences instead")
    tokens = tokenize(_story_text(generate_story_world(seed=seed, target_chars=target_chars)))
    watch = choose_watch_words(tokens)
    return Corpus("story world", tokens, watch, group_of(watch))


def file_corpus(path: str | Path) -> Corpus:
    path = Path(path)
    size = path.stat().st_size
    if size > MAX_CORPUS_BYTES:
        raise ValueError(f"{path.name} is {size / 1e6:.0f} MB; the limit for live training is "
                         f"{MAX_CORPUS_BYTES / 1e6:.0f} MB")
    tokens = tokenize(path.read_text(encoding="utf-8", errors="replace"))
    if len(tokens) < 50:
        raise ValueError(f"{path.name} has only {len(tokens)} words; give it at least a few paragraphs")
    watch = choose_watch_words(tokens)
    return Corpus(path.name, tokens, watch, group_of(watch))


STOPWORDS = frozenset("""a an the and or but if of to in on at by for with from as is was were be been are am it its
this that these those he she they we you i me him her them us my your his our their not no so then than there here
into out up down over all any some one had has have do did does what which who whom when where why how said says
s t""".split())


def choose_watch_words(tokens: Sequence[str], n: int = 30, min_count: int = 5) -> tuple[str, ...]:
    """Words to watch: known group words present in the text, topped up with frequent non-stopwords."""
    from collections import Counter

    counts = Counter(tokens)
    known = [w for ws in GROUPS.values() for w in ws if counts[w] >= min_count]
    frequent = [w for w, c in counts.most_common() if c >= min_count and w not in STOPWORDS and len(w) > 2
                and w not in known]
    return tuple((known + frequent)[:n])


def context_window(tokens: Sequence[str], focus: int, window: int) -> list[tuple[int, str, int]]:
    """The words that count as context of ``tokens[focus]``: ``[(position, word, offset)]``, offset ≠ 0.

    With window 2 around "learning" in "an efficient method for learning high quality distributed vector",
    the context is method, for, high, quality.
    """
    if not 0 <= focus < len(tokens):
        raise IndexError(f"focus {focus} is outside the {len(tokens)} words")
    lo, hi = max(0, focus - window), min(len(tokens), focus + window + 1)
    return [(i, tokens[i], i - focus) for i in range(lo, hi) if i != focus]


EXAMPLE_SENTENCE = "an efficient method for learning high quality distributed vector representations"
