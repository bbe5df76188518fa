"""Story-world text without the characters' habits: greetings and small talk, days out, and facts with their
questions (the everyday English around the stories of :mod:`engines.llm.storyworld`)."""

from __future__ import annotations

from engines.llm.storyworld_words import DAYS, FACTS, NUMBERS, PET_KINDS, PLACES, SMALL_TALK_TOPICS, TOWNS


class TalkWriter:
    """Mixed into the story writer: uses its seeded ``rng`` and its ``name(gender, avoid)``."""

    def greeting(self) -> str:
        rng = self.rng
        hello = rng.choice(("hey", "hi", "hello", "good morning", "good evening", "hi there"))
        if rng.random() < 0.4:
            hello += f", {self.name(rng.choice('mf'))}"
        ask = rng.choice(("how are you?", "how are you?", "how are you today?", "how are you doing?"))
        reply = rng.choice(("i am fine, thanks.", "i am fine, thank you.", "i am good, thanks!",
                            "i am great!", "not bad, thanks."))
        lines = [f"{hello}, {ask}" if rng.random() < 0.7 else f"{hello}! {ask}"]
        if rng.random() < 0.6:
            lines.append(f"{reply} {rng.choice(('and you?', 'how are you?', 'what about you?'))}")
            lines.append(rng.choice(("i am fine too.", "i am good, thanks.", "i am very well, thank you.")))
        else:
            lines.append(reply)
        for topic in rng.sample(range(len(SMALL_TALK_TOPICS)), rng.choices((0, 1, 2), weights=(2, 3, 2))[0]):
            lines.extend(self.small_talk(topic))
        if rng.random() < 0.5:
            lines.append(rng.choice(("bye!", "see you later!", "goodbye!")))
            lines.append(rng.choice(("bye!", "see you!", "see you tomorrow!")))
        return "\n".join(lines)

    def small_talk(self, topic: int) -> list[str]:
        rng = self.rng
        gender = rng.choice("mf")
        name = self.name(gender)
        he = "he" if gender == "m" else "she"
        place = rng.choice(tuple(PLACES))
        options = (
            ["what is your name?", f"my name is {name}.", "nice to meet you!", "nice to meet you too!"],
            ["how old are you?", f"i am {rng.choice(NUMBERS[5:13])} years old."],
            ["where do you live?", f"i live in {rng.choice(TOWNS)}."],
            ["what are you doing today?", f"i am going to the {place}."],
            ["do you have a pet?", f"yes, i have a {rng.choice(PET_KINDS)}. {'his' if gender == 'm' else 'her'} "
                                   f"name is {name}."],
            ["what is your dog's name?", f"my dog's name is {name}.", f"what does {he} like to do?",
             f"{he} likes to play fetch."],
            ["what is your brother's name?" if gender == "m" else "what is your sister's name?",
             f"{'his' if gender == 'm' else 'her'} name is {name}.", f"what does {he} like to do?",
             f"{he} likes to play soccer."],
            ["what is the weather like?", rng.choice(("it is sunny today.", "it is raining.", "it is cold and windy.",
                                                      "it is warm and sunny."))],
        )
        return list(options[topic])

    def day_out(self) -> str:
        rng = self.rng
        a = self.name(rng.choice("mf"))
        b = self.name(rng.choice("mf"), avoid=a)
        place = rng.choice(tuple(PLACES))
        did = rng.sample(PLACES[place], 2)
        with_whom = rng.choice(("mom", "dad", "grandma", "grandpa", "their friends"))
        return (f"on {rng.choice(DAYS)}, {a} and {b} went to the {place} with {with_whom}. "
                f"they {did[0]} and {did[1]}. "
                f"{rng.choice(('it was a fun day.', 'then they went home.', 'they were very happy.'))}")

    def fact(self) -> str:
        rng = self.rng
        roll = rng.randrange(8)
        if roll == 0:
            x, y = rng.randrange(11), rng.randrange(11)
            return f"what is {NUMBERS[x]} plus {NUMBERS[y]}?\n{NUMBERS[x]} plus {NUMBERS[y]} is {NUMBERS[x + y]}."
        q, a = rng.choice(FACTS[roll - 1])
        return f"{q}\n{a}"
