"""Held-out synonym and paraphrase prompts for the faces models (fixed before the MiniLM model was trained).

Each prompt names one detail with a word or phrase that **no training caption contains**
("crimson", "spectacles", "a beaming face"); the judge then checks whether the picture shows
the detail meant. This set is used only for the final score on the test seed, never to choose
guidance, steps or anything else (``tools/tune_guidance.py`` reads the held-out *combinations*).

Entries: (prompt, attribute, wanted value); a tuple of values means any of them counts
("wearing a cap" asks for a hat of any colour).
"""

from __future__ import annotations

_ANY_HAT = ("red", "blue", "green", "yellow", "purple")

SYNONYM_PROMPTS: tuple[tuple[str, str, object], ...] = (
    # mouth
    ("a grinning face", "mouth", "smiling"),
    ("a beaming face", "mouth", "smiling"),
    ("a happy face", "mouth", "smiling"),
    ("a scowling face", "mouth", "frowning"),
    ("a sad face", "mouth", "frowning"),
    ("a face with a gaping mouth", "mouth", "open"),
    ("a yawning face", "mouth", "open"),
    # hat
    ("a face wearing a crimson hat", "hat", "red"),
    ("a face wearing a scarlet hat", "hat", "red"),
    ("a face wearing a navy hat", "hat", "blue"),
    ("a face wearing an emerald hat", "hat", "green"),
    ("a face wearing a lemon hat", "hat", "yellow"),
    ("a face wearing a violet hat", "hat", "purple"),
    ("a face wearing a lavender hat", "hat", "purple"),
    ("a face wearing a cap", "hat", _ANY_HAT),
    # hair
    ("a face with golden hair", "hair", "blonde"),
    ("a face with fair hair", "hair", "blonde"),
    ("a face with gray hair", "hair", "grey"),
    ("a face with silver hair", "hair", "grey"),
    ("a face with ginger hair", "hair", "red"),
    # glasses
    ("a face wearing spectacles", "glasses", True),
    ("a face wearing eyeglasses", "glasses", True),
    ("a bespectacled face", "glasses", True),
    # background
    ("a face on a rose background", "background", "pink"),
    ("a face on a magenta backdrop", "background", "pink"),
    ("a face against a sky blue backdrop", "background", "blue"),
    ("a face on a mint background", "background", "green"),
    ("a face on a snowy background", "background", "white"),
    # eyes, skin, shape
    ("a face with emerald eyes", "eyes", "green"),
    ("a face with azure eyes", "eyes", "blue"),
    ("a face with ebony skin", "skin", "dark"),
    ("a circular face", "face_shape", "round"),
)

# The words each prompt tests; a test checks that none of them occurs in any training caption.
NEW_WORDS = ("grinning", "beaming", "happy", "scowling", "sad", "gaping", "yawning", "crimson", "scarlet", "navy",
             "emerald", "lemon", "violet", "lavender", "cap", "golden", "fair", "gray", "silver", "ginger",
             "spectacles", "eyeglasses", "bespectacled", "rose", "magenta", "backdrop", "sky", "mint", "snowy",
             "azure", "ebony", "circular")


def wanted_values(value: object) -> tuple[object, ...]:
    """The values that count as right for an entry's wanted value."""
    return value if isinstance(value, tuple) else (value,)
