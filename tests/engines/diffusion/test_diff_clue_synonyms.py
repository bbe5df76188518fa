"""The synonym vocabulary used to distil the MiniLM clue never shares a word with the held-out prompts."""

import re

import numpy as np

from engines.diffusion import clue_synonyms as cs
from engines.diffusion import faces
from engines.diffusion.minilm_clue import split_phrases
from engines.diffusion.synonym_prompts import NEW_WORDS, SYNONYM_PROMPTS

# stems of the held-out words: a near relative ("rosy", "gold", "grin", "snow") would leak them too
HELD_OUT_STEMS = ("grin", "beam", "happ", "scowl", "gap", "yawn", "crims", "scarl", "navy", "emerald", "lemon",
                  "violet", "lavend", "gold", "fair", "gray", "silver", "ging", "spectac", "eyeglass", "ros",
                  "magent", "backdrop", "against", "sky", "mint", "snow", "azur", "ebon", "circ", "cap")


def _held_out_words() -> set[str]:
    """Every word of the held-out prompts that no training caption has (not only the listed NEW_WORDS)."""
    training = set(faces.caption_vocabulary())
    return {w for prompt, _, _ in SYNONYM_PROMPTS for w in re.findall(r"[a-z]+", prompt)} - training | set(NEW_WORDS)


def test_the_vocabulary_shares_no_word_and_no_stem_with_the_held_out_prompts():
    vocab = cs.vocabulary()
    assert len(vocab) > 300  # a broad vocabulary, not a handful of words
    held_out = _held_out_words()
    assert {"crimson", "cap", "backdrop", "against"} <= held_out
    assert not vocab & held_out, sorted(vocab & held_out)
    stems = [w for w in vocab if any(w.startswith(s) for s in HELD_OUT_STEMS)]
    assert not stems, stems


def test_every_paraphrase_is_one_phrase_and_pairs_with_its_canonical_phrases():
    rng = np.random.default_rng(0)
    seen = set()
    for _ in range(3000):
        attrs = faces.random_attributes(rng)
        phrases = split_phrases(faces.caption_for(attrs, rng, drop=float(rng.uniform(0, 0.9))))
        for part in ("train", "val"):
            new, canonical = cs.paraphrase_caption(phrases, rng, part, p_phrase=0.9, p_merge=0.5)
            assert len(new) == len(canonical) and set(canonical) <= set(phrases)
            for p in new:
                assert split_phrases(p) == [p], p  # the splitter keeps each paraphrase whole
            seen.update(new)
    assert len(seen) > 1500  # many distinct phrases to learn from
    words = {w for p in seen for w in re.findall(r"[a-z]+", p)}
    assert not words & _held_out_words()


def test_validation_words_are_kept_out_of_training():
    for table in cs.LISTS.values():
        for values in table.values():
            train, val = cs.split(values, "train"), cs.split(values, "val")
            assert val and not set(train) & set(val) and set(train) | set(val) == set(values)
    rng = np.random.default_rng(1)
    hats = {cs.paraphrase_phrase("wearing a red hat", rng, "val") for _ in range(300)}
    assert all(any(c in h for c in cs.split(cs.COLOURS["red"], "val")) for h in hats)
