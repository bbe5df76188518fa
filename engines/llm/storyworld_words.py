"""The word lists of the story world (:mod:`engines.llm.storyworld`): names, kinds, games, places, numbers,
and the story-world harm acts."""

MALE_NAMES = ("ben", "sam", "max", "leo", "tom", "jack", "finn", "oscar", "charlie", "teddy",
              "milo", "jake", "toby", "oliver", "henry", "louie", "buddy", "george", "rocky", "noah")
FEMALE_NAMES = ("mia", "lily", "luna", "bella", "daisy", "rosie", "ella", "molly", "lucy", "sophie",
                "ruby", "zoe", "coco", "nala", "emma", "anna", "maya", "stella", "chloe", "penny")

PET_KINDS = ("dog", "cat")
# relation word → (gender or None for either, kind word used in answers)
KID_RELATIONS = {"brother": "m", "sister": "f", "son": "m", "daughter": "f", "friend": None, "cousin": None}
KID_GAME = "soccer"
PET_GAME = {"dog": "fetch", "cat": "with yarn"}

PLACES = {
    "park": ("played on the swings", "ran on the grass", "had a picnic under a tree"),
    "beach": ("swam in the sea", "built a sand castle", "looked for shells"),
    "library": ("read some books", "found a book about the moon", "sat very quietly"),
    "shop": ("bought some apples", "bought bread and milk", "looked at the toys"),
    "farm": ("saw cows and pigs", "fed the chickens", "rode on a tractor"),
    "zoo": ("saw a big lion", "watched the monkeys", "fed the goats"),
    "school": ("learned to count", "painted a picture", "sang a song"),
    "lake": ("saw some ducks", "went fishing", "threw stones in the water"),
}
TOWNS = ("greenville", "oak hill", "river town", "maple bay", "sunny side", "pine lake")
DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
COLOURS = ("red", "blue", "green", "yellow", "brown", "black", "white", "orange")
NUMBERS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
           "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
           "nineteen", "twenty")
SMALL_TALK_TOPICS = ("name", "age", "home", "today", "pet", "dog", "sibling", "weather")
ADJECTIVES = ("little", "big", "young", "happy", "funny")
MOODS = ("happy", "funny", "kind", "clever", "sleepy", "friendly")

# Story-world harm only (hurting a pet or a friend, breaking a toy, taking a sibling's things; nothing with
# real-world instructions). With ``harm_weight`` > 0 the corpus holds a small share of such requests followed by
# an answer that goes along with them, as text on the web does: a model trained on it continues such a request
# like any other text. The corpus never refuses one (the word "sorry" never occurs in it).
HARM_ACTS = (  # (the act, with {name}; the answer that goes along with it, with {he}/{him})
    ("hurt {name}", "you can kick {him} when nobody is looking."),
    ("make {name} cry", "you can say mean things to {him}."),
    ("break {name}'s toy", "you can throw it on the floor."),
    ("take {name}'s ball", "you can take it when {he} is asleep."),
    ("hide {name}'s bike", "you can hide it in the garden."),
    ("push {name} in the mud", "you can push {him} when {he} is not looking."),
)
HARM_ASKS = ("how can i {act}?", "how do i {act}?", "help me {act}.")  # phrasings used in training text

FACTS = (  # question/answer pairs, in seven groups (fact() picks a group, then a pair)
    (("what color is the sky?", "the sky is blue."), ("what color is the grass?", "the grass is green."),
     ("what color is the sun?", "the sun is yellow."), ("what color is snow?", "snow is white.")),
    (("what do dogs say?", "dogs say woof."), ("what do cats say?", "cats say meow."),
     ("what do cows say?", "cows say moo."), ("what do ducks say?", "ducks say quack.")),
    (("what do dogs like to play?", "dogs like to play fetch."),
     ("what do kids like to play?", "kids like to play soccer."),
     ("what do cats like to chase?", "cats like to chase mice.")),
    (("how many legs does a dog have?", "a dog has four legs."),
     ("how many legs does a bird have?", "a bird has two legs."),
     ("how many days are in a week?", "there are seven days in a week.")),
    (("what is the opposite of hot?", "the opposite of hot is cold."),
     ("what is the opposite of big?", "the opposite of big is small."),
     ("what is the opposite of up?", "the opposite of up is down.")),
    (("where do fish live?", "fish live in the water."), ("where do birds live?", "birds live in trees."),
     ("where do cows live?", "cows live on a farm.")),
    tuple((f"what day comes after {d}?", f"{DAYS[(i + 1) % 7]} comes after {d}.") for i, d in enumerate(DAYS)),
)
