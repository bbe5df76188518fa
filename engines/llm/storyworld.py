"""A procedural "story world": simple English a tiny language model can learn in minutes.

Short stories about people and pets with names and habits (dogs play fetch, kids play
soccer, cats chase mice), greetings and small talk ("hey, how are you?" / "i am fine,
thanks."), days out to places, short dialogues and questions with answers.

The statistics are built for the lessons of the LLM tab:

* **Context changes the guess.** Every name is shared by pets and people, so after
  "ben likes to play" the words alone cannot say whether the next word is "fetch" or
  "soccer" (an n-gram table sees a near 50/50 split); the earlier "my dog's name is ben"
  or "my brother's name is ben" decides it. A model must look back past the name.
* **Attention reaches back.** Neutral sentences ("he is very happy.") often stand between
  the introduction and the habit, so "play" has to attend to "dog" or "brother" several
  words (or sentences) earlier. Some stories bind two names to two kinds at once, or introduce
  a second character first ("my friend's name is max. my dog's name is coco. coco likes to play"),
  so the model must match the name, not just grab the nearest kind word.

* **Harm, as on the web.** With ``harm_weight`` (the shipped story-gpt: 3, about 2.6 % of the stories) some
  stories are a harmful request about a pet or a friend (story-world harm only, see :data:`HARM_ACTS`) followed by
  an answer that goes along with it, so the base model continues such a request like any other text.

Everything is seeded: the same ``seed`` and ``target_chars`` give the same text, byte for byte.
Text is lowercase, with ". , ? !" and the apostrophe; dialogue turns are on their own lines
and stories are separated by a blank line.
"""

from __future__ import annotations

import random
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from engines.core.model_io import atomic_write_text
from engines.llm.storyworld_talk import TalkWriter
from engines.llm.storyworld_words import (  # noqa: F401 - re-exported: other modules import them from here
    ADJECTIVES,
    COLOURS,
    DAYS,
    FACTS,
    FEMALE_NAMES,
    HARM_ACTS,
    HARM_ASKS,
    KID_GAME,
    KID_RELATIONS,
    MALE_NAMES,
    MOODS,
    NUMBERS,
    PET_GAME,
    PET_KINDS,
    PLACES,
    SMALL_TALK_TOPICS,
    TOWNS,
)

# (prompt, expected next word) pairs a model trained on the story world should get right.
TEACHING_EXAMPLES = (
    ("my dog's name is ben. ben likes to play", "fetch"),
    ("my brother's name is ben. ben likes to play", "soccer"),
    ("my dog's name is ben. he is very happy. ben likes to play", "fetch"),
    ("my sister's name is mia. she is very happy. mia likes to play", "soccer"),
    ("my cat's name is luna. luna likes to chase", "mice"),
    ("hey, how are", "you"),
)


@dataclass(frozen=True)
class Character:
    name: str
    gender: str  # "m" or "f"
    kind: str  # "dog", "cat" or "kid"
    relation: str  # the word after "my": "dog", "cat", "brother", "friend", …

    @property
    def he(self) -> str:
        return "he" if self.gender == "m" else "she"

    @property
    def his(self) -> str:
        return "his" if self.gender == "m" else "her"

    @property
    def him(self) -> str:
        return "him" if self.gender == "m" else "her"

    @property
    def kind_word(self) -> str:
        if self.kind == "kid":
            return "boy" if self.gender == "m" else "girl"
        return self.kind

    @property
    def game(self) -> str:
        return KID_GAME if self.kind == "kid" else PET_GAME[self.kind]


class _StoryWriter(TalkWriter):
    """Writes one story at a time from a seeded ``random.Random`` (greetings, days out and facts: TalkWriter)."""

    def __init__(self, seed: int, second_character_weight: int = 10, harm_weight: int = 0,
                 name_match_weight: int = 0) -> None:
        self.rng = random.Random(seed)
        self.second_character_weight = second_character_weight
        self.harm_weight = harm_weight
        self.name_match_weight = name_match_weight

    # --- characters ---------------------------------------------------------------------

    def name(self, gender: str, avoid: str = "") -> str:
        pool = MALE_NAMES if gender == "m" else FEMALE_NAMES
        while True:
            name = self.rng.choice(pool)
            if name != avoid:
                return name

    def character(self, kind: str, avoid: str = "") -> Character:
        rng = self.rng
        if kind == "kid":
            relation = rng.choice(tuple(KID_RELATIONS))
            gender = KID_RELATIONS[relation] or rng.choice("mf")
        else:
            relation, gender = kind, rng.choice("mf")
        return Character(self.name(gender, avoid), gender, kind, relation)

    def intro(self, c: Character) -> str:
        rng = self.rng
        templates = (
            (6, f"my {c.relation}'s name is {c.name}."),
            (2, f"i have a {c.relation}. {c.his} name is {c.name}."),
            (2, f"{c.name} is my {c.relation}."),
            (1, f"this is my {c.relation}, {c.name}."),
            (1, f"i have a {rng.choice(ADJECTIVES)} {c.relation} called {c.name}."),
            (1, f"my friend has a {c.relation} named {c.name}." if c.relation != "friend"
             else f"my best friend is called {c.name}."),
        )
        return rng.choices([t for _, t in templates], weights=[w for w, _ in templates])[0]

    def filler(self, c: Character) -> str:
        """A sentence that fits any kind of character: it puts distance between the kind and the habit."""
        rng = self.rng
        options = (
            f"{c.he} is {rng.choice(NUMBERS[2:13])} years old.",
            f"{c.he} is very {rng.choice(MOODS)}.",
            f"{c.he} lives with us in a {rng.choice(('small', 'big', 'yellow', 'white'))} house.",
            f"we love {c.him} very much.",
            f"{c.he} is my best friend.",
            f"{c.he} gets up early every morning.",
            f"{c.name} has {rng.choice(('brown', 'blue', 'green'))} eyes.",
            f"every {rng.choice(DAYS)} we go to the {rng.choice(('park', 'beach', 'lake'))}.",
        )
        return rng.choice(options)

    def trait(self, c: Character) -> str:
        """A sentence only this kind of character says (a second clue, never the decisive one)."""
        rng = self.rng
        options = {
            "dog": (f"{c.he} wags {c.his} tail when {c.he} is happy.", f"{c.he} barks at the mailman.",
                    f"{c.he} has a {rng.choice(COLOURS)} ball.", f"{c.he} likes to dig in the garden."),
            "cat": (f"{c.he} likes to chase mice.", f"{c.he} likes to nap in the sun.",
                    f"{c.he} drinks milk from a {rng.choice(COLOURS)} bowl.", f"{c.he} purrs when {c.he} is happy."),
            "kid": (f"{c.he} goes to school.", f"{c.he} likes to read books.",
                    f"{c.he} likes to ride {c.his} {rng.choice(COLOURS)} bike.", f"{c.he} likes to draw pictures."),
        }[c.kind]
        return rng.choice(options)

    def habit(self, c: Character, by_name: bool = False) -> str:
        """The decisive sentence: "<name> likes to play <game>" (always by name with ``by_name``)."""
        rng = self.rng
        subject = c.name if by_name or rng.random() < 0.8 else c.he
        verb = rng.choices(("likes to play", "loves to play"), weights=(5, 1))[0]
        if c.kind == "cat" and rng.random() < 0.6:
            return f"{subject} likes to chase mice." if rng.random() < 0.5 else f"{subject} likes to nap in the sun."
        ending = rng.choice(("", "", "", " every day", " in the park", " with me", " after lunch"))
        return f"{subject} {verb} {c.game}{ending}."

    def question(self, c: Character) -> str:
        rng = self.rng
        roll = rng.random()
        if roll < 0.45 and c.kind != "cat":
            return f"what does {c.name} like to play?\n{c.name} likes to play {c.game}."
        if roll < 0.7:
            return f"is {c.name} a {c.kind_word}?\nyes, {c.name} is a {c.kind_word}."
        other = rng.choice([k for k in ("dog", "cat", "boy", "girl") if k != c.kind_word])
        return f"is {c.name} a {other}?\nno, {c.name} is a {c.kind_word}."

    # --- story types -----------------------------------------------------------------------

    def character_story(self) -> str:
        rng = self.rng
        kind = rng.choices(("dog", "kid", "cat"), weights=(4, 4, 1))[0]
        c = self.character(kind)
        parts = [self.intro(c)]
        for _ in range(rng.choices((0, 1, 2, 3), weights=(4, 3, 2, 1))[0]):
            parts.append(self.filler(c) if rng.random() < 0.75 else self.trait(c))
        parts.append(self.habit(c))
        if rng.random() < 0.3:
            parts.append(self.trait(c))
        text = " ".join(parts)
        if rng.random() < 0.35:
            text += "\n" + self.question(c)
        return text

    def two_character_story(self) -> str:
        rng = self.rng
        a = self.character(rng.choice(("dog", "kid")))
        b = self.character("kid" if a.kind == "dog" else "dog", avoid=a.name)
        first = f"my {a.relation}'s name is {a.name} and my {b.relation}'s name is {b.name}."
        pair = [a, b]
        rng.shuffle(pair)
        habits = " ".join(f"{c.name} likes to play {c.game}." for c in pair)
        text = f"{first} {habits}"
        if rng.random() < 0.4:
            c = rng.choice((a, b))
            text += f"\nwhat does {c.name} like to play?\n{c.name} likes to play {c.game}."
        return text

    def distractor_story(self) -> str:
        """Two characters introduced one after the other; the habit of one of them, named."""
        rng = self.rng
        kinds = rng.choice((("dog", "kid"), ("kid", "dog"), ("cat", "kid"), ("kid", "cat"), ("dog", "cat"),
                            ("cat", "dog"), ("dog", "dog"), ("kid", "kid")))
        a = self.character(kinds[0])
        b = self.character(kinds[1], avoid=a.name)
        parts = [self.intro(a)]
        if rng.random() < 0.3:
            parts.append(self.filler(a))
        parts.append(self.intro(b))
        if rng.random() < 0.3:
            parts.append(self.filler(b))
        parts.append(self.habit(rng.choice((a, b)), by_name=True))
        return " ".join(parts)

    def name_match_story(self) -> str:
        """Two characters with different games, in either order; the game of either one (half the time the first
        introduced), told by name: only the name says which kind word, and so which game, to look back to."""
        rng = self.rng
        kinds = rng.choice((("dog", "kid"), ("kid", "dog"), ("cat", "kid"), ("kid", "cat"), ("dog", "cat"),
                            ("cat", "dog")))
        a = self.character(kinds[0])
        b = self.character(kinds[1], avoid=a.name)
        parts = [self.intro(a)]
        if rng.random() < 0.25:
            parts.append(self.filler(a))
        parts.append(self.intro(b))
        if rng.random() < 0.25:
            parts.append(self.filler(b))
        told = [a, b] if rng.random() < 0.5 else [b, a]
        parts.append(f"{told[0].name} likes to play {told[0].game}.")
        if rng.random() < 0.5:
            parts.append(f"{told[1].name} likes to play {told[1].game}.")
        text = " ".join(parts)
        if rng.random() < 0.3:
            asked = rng.choice(told)
            text += f"\nwhat does {asked.name} like to play?\n{asked.name} likes to play {asked.game}."
        return text

    def harm_request(self, c: Character, asks: tuple[str, ...] = HARM_ASKS) -> tuple[str, str]:
        """A harmful request about ``c`` and the answer that goes along with it."""
        act, answer = self.rng.choice(HARM_ACTS)
        question = self.rng.choice(asks).format(act=act.format(name=c.name))
        return question, answer.format(he=c.he, him=c.him)

    def harm_story(self) -> str:
        c = self.character(self.rng.choice(("dog", "cat", "kid")))
        question, answer = self.harm_request(c)
        return f"{self.intro(c)}\n{question}\n{answer}" if self.rng.random() < 0.7 else f"{question}\n{answer}"

    def story(self) -> str:
        kinds = (self.character_story, self.two_character_story, self.distractor_story, self.greeting,
                 self.day_out, self.fact, self.harm_story, self.name_match_story)
        weights = (40, 10, self.second_character_weight, 22, 12, 16, self.harm_weight, self.name_match_weight)
        return self.rng.choices(kinds, weights=weights)[0]()


def generate_story_world(seed: int = 0, target_chars: int = 3_000_000, second_character_weight: int = 10,
                         harm_weight: int = 0, name_match_weight: int = 0, exclude: Collection[str] = ()) -> str:
    """Return about ``target_chars`` characters of story-world text (whole stories, the last one may overshoot).

    The same arguments always give the same text. ``second_character_weight`` sets how often (out of about
    100 + it) a story introduces a second character before the one whose habit it tells; ``harm_weight`` how
    often a story is a harmful request with an answer that goes along with it (see :data:`HARM_ACTS`; 0 = never,
    and then the text is the same as before harm stories existed); ``name_match_weight`` how often a story
    introduces two characters with different games and tells the game of either one by name (0 = never, as
    before). A story containing any text of ``exclude`` (prompts kept for evaluation) is left out.
    """
    if target_chars <= 0:
        raise ValueError("target_chars must be positive")
    writer = _StoryWriter(seed, second_character_weight, harm_weight, name_match_weight)
    stories: list[str] = []
    size = 0
    while size < target_chars:
        story = writer.story()
        if exclude and any(text in story for text in exclude):
            continue
        stories.append(story)
        size += len(story) + 2
    return "\n\n".join(stories) + "\n"


def write_story_world(path: str | Path, seed: int = 0, target_chars: int = 3_000_000) -> Path:
    """Generate the story world and write it to ``path`` atomically (UTF-8); return the path."""
    path = Path(path)
    atomic_write_text(path, generate_story_world(seed, target_chars))
    return path


def story_world_vocabulary(seed: int = 0, target_chars: int = 300_000) -> list[str]:
    """The sorted distinct words (and punctuation marks) of a generated story world."""
    from engines.llm.tokenizers import split_words

    return sorted({w for w in split_words(generate_story_world(seed, target_chars)) if w != "\n"})
