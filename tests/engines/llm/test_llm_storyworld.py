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


def test_name_match_stories_tell_the_first_or_the_second_character():
    """With ``name_match_weight`` the nearest kind word is no shortcut: the named one is either character."""
    game = {"dog": "fetch", "cat": "with", **{rel: "soccer" for rel in KID_RELATIONS}}
    text = generate_story_world(seed=0, target_chars=400_000, name_match_weight=30)
    told = {"first": 0, "second": 0}
    for story in text.split("\n\n"):
        intros = re.findall(r"my (\w+)'s name is (\w+)\.", story)
        plays = re.findall(r"\b(\w+) (?:likes|loves) to play (\w+)", story)
        if len(intros) != 2 or not plays or game.get(intros[0][0]) in (None, game.get(intros[1][0])):
            continue
        name, played = plays[0]
        position = [n for _, n in intros].index(name) if name in (intros[0][1], intros[1][1]) else None
        if position is not None:
            assert played == game[intros[position][0]], story
            told["first" if position == 0 else "second"] += 1
    assert min(told.values()) >= 0.4 * sum(told.values()) and sum(told.values()) > 100, told


def test_excluded_prompts_never_occur_and_weight_zero_keeps_the_text():
    held_out = ("my dog's name is ben. ben likes to play", "my sister's name is mia. mia likes to play")
    text = generate_story_world(seed=0, target_chars=100_000, name_match_weight=30, exclude=held_out)
    assert not any(prompt in text for prompt in held_out)
    assert "likes to play fetch" in text
    assert generate_story_world(seed=0, target_chars=20_000, name_match_weight=0) == generate_story_world(0, 20_000)
