"""Synonyms and paraphrases of the face captions' details, for teaching the MiniLM clue new words.

The faces model only ever saw a few colour words ("red hat", "grey hair"). Distilling the clue
(:mod:`engines.diffusion.clue_distill`) shows the caption transformer many other ways of saying the
same thing ("a ruby beanie", "chestnut locks", "a cheerful face") and asks it to turn each into what
it already makes of the plain words. MiniLM places words by meaning, so words that were in *neither*
list can then land in the right place too.

This vocabulary is **disjoint from the held-out synonym prompts** (:mod:`engines.diffusion.synonym_prompts`):
none of their new words, nor their stems ("rosy", "gold", "grin", "snow", "circle" …), appears here
(a test checks it). Each list is split: every fourth entry is kept for validation (:func:`split`), so
settings are chosen on words the distillation never trained on, never on the held-out prompts.
"""

from __future__ import annotations

import re

import numpy as np

COLOURS: dict[str, tuple[str, ...]] = {
    "red": ("cherry", "ruby", "vermilion", "carmine", "cardinal red", "tomato red", "blood red", "brick red",
            "fire engine red", "strawberry red", "cranberry", "poppy red", "maroon", "raspberry", "garnet",
            "wine red", "lipstick red", "postbox red", "cinnabar", "chilli red", "ketchup red", "fire red"),
    "blue": ("cobalt", "sapphire", "cerulean", "ultramarine", "royal blue", "denim blue", "cornflower blue",
             "ocean blue", "electric blue", "baby blue", "powder blue", "steel blue", "prussian blue",
             "midnight blue", "dark blue", "light blue", "bright blue", "ice blue", "bluebell", "blueberry", "lapis",
             "peacock blue", "sea blue", "true blue"),
    "green": ("jade", "lime", "forest green", "grass green", "kelly green", "leafy green", "pea green", "moss green",
              "sage", "pistachio", "apple green", "bottle green", "fern green", "shamrock", "olive green", "avocado",
              "spring green", "bright green", "dark green", "hunter green", "lettuce green", "clover", "pine green",
              "cucumber", "grassy", "malachite", "celadon"),
    "yellow": ("canary", "mustard", "butter yellow", "sunflower", "saffron", "daffodil", "banana yellow", "buttercup",
               "sunshine yellow", "corn yellow", "dandelion", "primrose", "bright yellow", "pale yellow", "maize",
               "custard", "sulphur", "citrine", "egg yolk", "chick yellow", "taxi yellow", "sunny yellow",
               "straw yellow", "banana"),
    "purple": ("plum", "lilac", "mauve", "amethyst", "grape", "orchid", "mulberry", "aubergine", "eggplant",
               "heather", "royal purple", "puce", "purplish", "deep purple", "boysenberry", "blackberry", "iris",
               "wisteria", "thistle", "raisin", "byzantium", "imperial purple", "beetroot", "grape purple"),
    "pink": ("salmon", "blush", "fuchsia", "bubblegum", "flamingo", "carnation", "cerise", "hot pink", "candy pink",
             "peony", "pastel pink", "baby pink", "shocking pink", "candyfloss", "cotton candy", "ballet pink",
             "petal pink", "shell pink", "powder pink", "taffy", "watermelon", "hibiscus", "cherry blossom",
             "pinkish"),
    "white": ("ivory", "cream", "chalk", "pearl", "milky", "bone white", "alabaster", "paper white", "pure white",
              "eggshell", "off white", "linen", "milk white", "chalk white", "whitewashed", "blank", "bright white",
              "vanilla", "ghost white", "plain white", "marble", "cotton", "cloud white", "paper"),
}
HAT_COLOURS = ("red", "blue", "green", "yellow", "purple")
BACKGROUND_COLOURS = ("white", "pink", "blue", "green", "yellow")

HAIR: dict[str, tuple[str, ...]] = {
    "black": ("jet black", "raven", "inky", "coal black", "pitch black", "midnight black", "sable", "charcoal", "jet",
              "ink black", "crow black", "dark", "blue black", "obsidian", "soot black", "tar black", "coal"),
    "brown": ("chestnut", "brunette", "chocolate", "coffee", "mousy", "walnut", "nut brown", "cocoa", "hazel",
              "toffee", "caramel", "mid brown", "dark brown", "light brown", "umber", "bronze", "nutmeg"),
    "blonde": ("flaxen", "platinum", "blond", "honey", "straw coloured", "sandy", "wheat", "bleached", "buttery",
               "light yellow", "pale yellow", "butter", "champagne", "corn", "ash blond", "sunlit", "beach blond",
               "cream", "yellowish"),
    "red": ("auburn", "copper", "carrot", "titian", "rust", "strawberry", "flame red", "coppery", "russet", "fiery",
            "orange", "tangerine", "cinnamon", "copper red", "flaming", "red orange", "burnt orange", "foxy", "brick",
            "paprika"),
    "grey": ("ash", "slate", "grizzled", "hoary", "steel", "pewter", "greying", "white", "ashen", "smoky", "graphite",
             "aged", "steely", "dove grey", "cloud grey", "charcoal grey", "pale grey", "light grey", "mouse grey",
             "old", "elderly", "smoke"),
}
HAIR_NOUNS = ("hair", "locks", "curls", "tresses", "mane")
EYES: dict[str, tuple[str, ...]] = {
    "blue": ("sapphire", "cobalt", "icy blue", "baby blue", "ocean blue", "cornflower", "bright blue", "pale blue",
             "steel blue", "cerulean", "denim", "royal blue", "light blue", "electric blue", "sea blue",
             "cornflower blue", "periwinkle", "blueberry", "ice"),
    "green": ("jade", "olive", "moss green", "leaf green", "grass green", "lime", "forest green", "sea green",
              "bottle green", "fern", "jade green", "apple green", "pine", "clover", "mossy", "leafy", "bright green",
              "sage", "pistachio", "celadon"),
    "brown": ("chocolate", "hazel", "chestnut", "amber", "coffee", "dark brown", "cocoa", "walnut", "caramel",
              "honey brown", "dark", "deep brown", "chocolate brown", "mahogany", "toffee", "bronze", "tawny",
              "earthy", "nut brown", "umber"),
}
EYE_NOUNS = ("eyes", "irises", "peepers")
SKIN: dict[str, tuple[str, ...]] = {
    "pale": ("light", "porcelain", "ivory", "pallid", "creamy", "milky", "pasty", "peachy", "very light", "alabaster",
             "white", "ghostly", "pinkish", "light toned", "pearly", "translucent", "pale white", "chalky"),
    "tan": ("tanned", "bronzed", "sun kissed", "beige", "olive", "caramel", "light brown", "sandy", "wheat",
            "suntanned", "sun bronzed", "light olive", "honey toned", "biscuit", "sand", "tawny", "toasted"),
    "brown": ("cocoa", "mocha", "cinnamon", "coffee", "chestnut", "medium brown", "toffee", "hazelnut", "nutmeg",
              "russet", "bronze", "nut brown", "umber", "walnut", "coffee coloured", "medium", "brownish"),
    "dark": ("deep", "very dark", "black", "espresso", "coal", "onyx", "jet", "deep dark", "inky", "very deep",
             "jet black", "midnight", "coal black", "night", "dusky", "obsidian", "blackish"),
}
SKIN_NOUNS = ("skin", "complexion", "skin tone")
MOUTH: dict[str, tuple[str, ...]] = {
    "smiling": ("cheerful", "joyful", "glad", "delighted", "merry", "jolly", "laughing", "cheery", "smiley",
                "pleased", "contented", "upbeat", "friendly", "gleeful", "elated", "jovial", "giggling", "chuckling",
                "blissful", "radiant", "playful", "amused", "thrilled", "overjoyed", "content", "lighthearted",
                "carefree", "lively"),
    "frowning": ("gloomy", "glum", "sorrowful", "miserable", "grumpy", "angry", "annoyed", "downcast", "upset",
                 "sulky", "morose", "displeased", "mournful", "tearful", "sullen", "dejected", "bitter", "moody",
                 "sour", "cranky", "irritated", "frustrated", "disappointed", "heartbroken", "weepy", "troubled",
                 "worried", "despondent", "brooding", "irate"),
    # an open mouth, said of the whole face: "a shouting face" = "a face" + "an open mouth"
    "open": ("surprised", "shouting", "screaming", "astonished", "shocked", "singing", "gasping", "startled",
             "amazed", "stunned", "howling", "yelling", "open mouthed", "wide mouthed", "stunned looking", "bawling",
             "awestruck", "flabbergasted", "dumbfounded", "speaking", "talking", "calling", "chanting", "hollering",
             "wailing", "exclaiming"),
}
OPEN_MOUTH = ("a wide open mouth", "a mouth open wide", "a mouth hanging open", "a dropped jaw", "a round open mouth",
              "an o shaped mouth", "a shouting mouth", "parted lips", "lips wide apart", "a mouth opened in surprise",
              "an unclosed mouth", "jaws apart", "a mouth wide open", "an open jaw", "open lips", "a big open mouth",
              "a mouth agog", "a gasping mouth", "a hollering mouth", "a mouth open in a shout")
SHAPE: dict[str, tuple[str, ...]] = {
    "round": ("rounded", "chubby", "moon shaped", "ball shaped", "plump", "full", "globe shaped", "coin shaped",
              "spherical", "pudgy", "orb shaped", "apple cheeked", "baby faced", "cherubic", "moonlike", "roundish",
              "puffy", "fat", "pumpkin shaped"),
    "oval": ("egg shaped", "elongated", "long", "elliptical", "ovoid", "narrow", "slender", "thin", "longish", "lean",
             "slim", "almond shaped", "egg like", "lengthy", "tall", "drawn", "ovalish"),
    "square": ("boxy", "blocky", "rectangular", "angular", "squared", "chiselled", "box shaped", "square jawed",
               "chunky", "square cut", "flat sided", "cubic", "brick shaped", "broad", "strong jawed", "heavy jawed",
               "box like", "squarish", "four cornered"),
}
FACE_NOUNS = ("face", "head", "visage", "countenance", "portrait")
GLASSES = ("wearing specs", "wearing reading glasses", "wearing goggles", "wearing a pair of specs",
           "wearing round frames", "wearing horn rimmed frames", "wearing lenses", "in glasses", "sporting specs",
           "wearing bifocals", "wearing shades", "wearing wire frames", "wearing eyewear",
           "wearing a pair of glasses", "wearing thick frames", "wearing thin frames", "wearing black frames",
           "wearing big round lenses", "wearing nerd glasses", "wearing sunnies", "wearing readers",
           "wearing aviators", "in specs", "behind thick lenses")
GLASSES_FACE = ("specs clad", "glasses clad", "four eyed", "lensed", "goggled", "monocled", "framed", "owlish",
                "goggle eyed", "lens clad", "specs sporting")
HAT_NOUNS = ("hat", "beanie", "bonnet", "fedora", "beret", "bowler", "trilby", "stetson", "top hat", "sunhat",
             "bobble hat", "woolly hat", "panama", "derby", "boater", "cloche", "toque", "helmet", "party hat",
             "bucket hat", "cowboy hat")
HAT_TEMPLATES = ("wearing a {c} {h}", "a {c} {h}", "in a {c} {h}", "sporting a {c} {h}", "topped by a {c} {h}",
                 "under a {c} {h}", "donning a {c} {h}", "wearing a {c} coloured {h}")
BACKGROUND_TEMPLATES = ("on a {c} background", "in front of a {c} wall", "before a {c} screen", "over a {c} field",
                        "set upon a {c} canvas", "on {c}", "in a {c} room", "by a {c} wall", "framed in {c}",
                        "on {c} paper", "beside a {c} curtain", "on a {c} ground", "in a {c} studio",
                        "before a {c} curtain", "on a {c} sheet", "lit by {c} light", "on a {c} backcloth",
                        "on a {c} backing", "in a {c} setting", "amid {c} surroundings", "in {c} surroundings")
BACKGROUND_FACE = ("a face in front of a {c} wall", "a head before a {c} screen", "a portrait on {c}",
                   "a face set upon a {c} canvas", "a visage in a {c} room", "a face framed by {c}",
                   "a portrait in front of {c}", "a head set in a {c} scene", "a face beside a {c} wall",
                   "a face in a {c} setting", "a visage before {c} curtains")

LISTS = {"colours": COLOURS, "hair": HAIR, "eyes": EYES, "skin": SKIN, "mouth": MOUTH, "shape": SHAPE}
_FACE_RE = re.compile(r"^an? (?:(smiling|frowning) )?(?:(round|oval|square) )?face$")
_DETAIL_RE = re.compile(r"^(\w+) (skin|hair|eyes)$")
_HAT_RE = re.compile(r"^(wearing )?a (\w+) hat$")
_BACKGROUND_RE = re.compile(r"^on a (\w+) background$")


def split(items: tuple[str, ...], part: str) -> tuple[str, ...]:
    """``part="train"``: three entries in four; ``"val"``: every fourth (index 3, 7, …); ``"all"``: all."""
    if part == "all":
        return items
    return tuple(x for i, x in enumerate(items) if (i % 4 == 3) == (part == "val"))


def vocabulary() -> set[str]:
    """Every word this module can put into a caption (lower case, split at spaces)."""
    texts: list[str] = []
    for table in LISTS.values():
        for values in table.values():
            texts.extend(values)
    texts += [*HAIR_NOUNS, *EYE_NOUNS, *SKIN_NOUNS, *OPEN_MOUTH, *FACE_NOUNS, *GLASSES, *GLASSES_FACE, *HAT_NOUNS,
              *HAT_TEMPLATES, *BACKGROUND_TEMPLATES, *BACKGROUND_FACE]
    return {w for t in texts for w in re.findall(r"[a-z]+", t.lower()) if w != "c" and w != "h"}


def _article(text: str) -> str:
    return re.sub(r"\ba ([aeiou])", r"an \1", text)


def _pick(rng: np.random.Generator, items: tuple[str, ...]) -> str:
    return items[int(rng.integers(len(items)))]


def paraphrase_phrase(phrase: str, rng: np.random.Generator, part: str = "train") -> str | None:
    """Another way of saying one training-caption phrase (words from ``part`` of the lists), or None
    when this phrase has no paraphrase here."""
    if m := _FACE_RE.match(phrase):
        mouth, shape = m.groups()
        words = [_pick(rng, split(MOUTH[mouth], part))] if mouth else []
        words += [_pick(rng, split(SHAPE[shape], part))] if shape else []
        if not words:
            return None
        return _article(f"a {' '.join(words)} {_pick(rng, FACE_NOUNS)}")
    if m := _DETAIL_RE.match(phrase):
        value, noun = m.groups()
        table, nouns = {"skin": (SKIN, SKIN_NOUNS), "hair": (HAIR, HAIR_NOUNS), "eyes": (EYES, EYE_NOUNS)}[noun]
        return f"{_pick(rng, split(table[value], part))} {_pick(rng, nouns)}"
    if m := _HAT_RE.match(phrase):
        template = _pick(rng, HAT_TEMPLATES)
        if not m.group(1):  # after "and": "wearing glasses and a red hat"
            template = "a {c} {h}"
        return _article(template.format(c=_pick(rng, split(COLOURS[m.group(2)], part)), h=_pick(rng, HAT_NOUNS)))
    if m := _BACKGROUND_RE.match(phrase):
        template = _pick(rng, BACKGROUND_TEMPLATES)
        return _article(template.format(c=_pick(rng, split(COLOURS[m.group(1)], part))))
    if phrase == "an open mouth":
        return _pick(rng, split(OPEN_MOUTH, part))
    if phrase == "wearing glasses":
        return _pick(rng, split(GLASSES, part))
    return None


def merged_phrase(detail: str, rng: np.random.Generator, part: str = "train") -> str | None:
    """One phrase saying "a face" and ``detail`` together ("a shouting face" = "a face" + "an open mouth"),
    or None when ``detail`` cannot be said that way."""
    if detail == "an open mouth":
        return _article(f"a {_pick(rng, split(MOUTH['open'], part))} {_pick(rng, FACE_NOUNS)}")
    if detail == "wearing glasses":
        return _article(f"a {_pick(rng, split(GLASSES_FACE, part))} {_pick(rng, FACE_NOUNS)}")
    if m := _BACKGROUND_RE.match(detail):
        return _article(_pick(rng, BACKGROUND_FACE).format(c=_pick(rng, split(COLOURS[m.group(1)], part))))
    return None


def paraphrase_caption(phrases: list[str], rng: np.random.Generator, part: str = "train", p_phrase: float = 0.7,
                       p_merge: float = 0.3) -> tuple[list[str], list[str]]:
    """(paraphrased phrases, the canonical phrases they stand for), the same length, in order.

    Each phrase is paraphrased with chance ``p_phrase``. When the caption's face phrase is the bare
    "a face", with chance ``p_merge`` it is merged into one detail ("a face" + "wearing glasses" →
    "a bookish face"); the canonical side then leaves the bare "a face" out, so both lists still pair up."""
    phrases = list(phrases)
    canonical = list(phrases)
    if "a face" in phrases and rng.random() < p_merge:
        options = [i for i, p in enumerate(phrases) if merged_phrase(p, np.random.default_rng(0), part)]
        if options:
            i = options[int(rng.integers(len(options)))]
            merged = merged_phrase(phrases[i], rng, part)
            j = phrases.index("a face")
            phrases[i] = merged
            del phrases[j], canonical[j]
    out = []
    for p, c in zip(phrases, canonical):
        new = paraphrase_phrase(c, rng, part) if p == c and rng.random() < p_phrase else None
        out.append(new or p)
    return out, canonical
