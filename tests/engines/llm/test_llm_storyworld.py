"""The story world: reproducible, and built so that context (not the last words) decides fetch or soccer."""

import re

import pytest

from engines.llm.storyworld import (
    FEMALE_NAMES,
    KID_RELATIONS,
    MALE_NAMES,
    TEACHING_EXAMPLES,
    generate_story_world,
    story_world_vocabulary,
    write_story_world,
)
from engines.llm.tokenizers import split_words

CHARS = 300_000


@pytest.fixture(scope="module")
def text() -> str:
    return generate_story_world(seed=0, target_chars=CHARS)


def test_same_seed_same_text_and_other_seed_other_text(text):
    assert generate_story_world(seed=0, target_chars=CHARS) == text
    other = generate_story_world(seed=1, target_chars=CHARS)
    assert other != text
    assert CHARS <= len(text) < CHARS + 2000
    small = generate_story_world(seed=0, target_chars=1000)
    assert text.startswith(small)  # the same stories, in the same order


def test_plain_lowercase_english(text):
    assert set(text) <= set("abcdefghijklmnopqrstuvwxyz .,?!'\n")
    assert "\n\n" in text  # stories are separated by blank lines


def test_contains_the_teaching_patterns(text):
    for phrase in ("my dog's name is", "my brother's name is", "likes to play fetch", "likes to play soccer",
                   "hey, how are you?", "i am fine, thanks.", "likes to chase mice", "went to the park",
                   "what does", "what color is the sky?\nthe sky is blue."):
        assert phrase in text, phrase
    # the kind is mentioned sentences before the habit: attention must reach back
    assert re.search(r"my dog's name is (\w+)\. (?:[^.\n]+\. )+\1 likes to play fetch", text)
    assert re.search(r"my brother's name is (\w+)\. (?:[^.\n]+\. )+\1 likes to play soccer", text)
    vocab = set(story_world_vocabulary(0, 100_000))
    for prompt, answer in TEACHING_EXAMPLES:
        assert set(split_words(prompt)) | {answer} <= vocab


def test_names_are_shared_by_pets_and_people(text):
    dogs = set(re.findall(r"my dog's name is (\w+)\.", text))
    kids = set(re.findall(r"my (?:brother|sister|son|daughter)'s name is (\w+)\.", text))
    assert {"ben", "mia"} <= dogs & kids
    assert len(dogs & kids) >= 30
    assert set(MALE_NAMES) | set(FEMALE_NAMES) >= dogs | kids


def test_habits_always_match_the_kind_in_the_same_story(text):
    game = {"dog": "fetch", "cat": "with", **{rel: "soccer" for rel in KID_RELATIONS}}
    checked = 0
    for story in text.split("\n\n"):
        kinds = dict((name, rel) for rel, name in re.findall(r"my (\w+)'s name is (\w+)", story))
        for name, played in re.findall(r"\b(\w+) (?:likes|loves) to play (\w+)", story):
            if name in kinds and kinds[name] in game:
                assert played == game[kinds[name]], story
                checked += 1
    assert checked > 500


def test_write_story_world(tmp_path):
    path = write_story_world(tmp_path / "sub" / "story.txt", seed=3, target_chars=5000)
    assert path.read_text(encoding="utf-8") == generate_story_world(3, 5000)
    with pytest.raises(ValueError):
        generate_story_world(0, 0)
