"""The guided tour's stops, in the order of the talk: plain data (no Qt).

Each stop names a page (tab key + page key), the control to point at and what to notice (two or three
sentences). The control is found by its objectName; pages that do not set one are reached through the page's
attribute (``attr``), and the tour gives the widget that objectName. ``setup`` prepares the page with plain
actions: ``("text", attr, "...")`` types text, ``("value", attr, number)`` moves a slider or spin box,
``("click", attr)`` presses a button. ``may_fall_back``: the page is being rebuilt elsewhere, so pointing at
the whole page (and saying so) is accepted until its control exists; ``named_elsewhere``: the page will give
the control that objectName itself, so until then the tour points at ``attr`` (or the page) and says "coming".
"""

from __future__ import annotations

from dataclasses import dataclass

FLAGSHIP = "my dog's name is ben. ben likes to play"


@dataclass(frozen=True)
class TourStop:
    tab: str
    page: str
    title: str
    text: str
    target: str  # objectName of the control to point at
    attr: str = ""  # the page's attribute holding it, when the page sets no objectName
    setup: tuple[tuple, ...] = ()
    may_fall_back: bool = False
    named_elsewhere: bool = False  # the page itself will set ``target``: never give that name to another widget


STOPS: tuple[TourStop, ...] = (
    TourStop("llm", "tokens", "Words are numbers",
             "A model cannot read letters. Every word, or piece of a word, is swapped for its number in a list, "
             "the vocabulary. Change the text and watch the numbers change.",
             "tourTokensText", "text_box", (("text", "text_box", FLAGSHIP + " fetch."),)),
    TourStop("llm", "ngrams", "The next-word spreadsheet",
             "The simplest way to guess the next word: count, in lots of text, what came after each run of words. "
             "Slide the zoom out: each extra word of context multiplies the rows, so a table for real sentences "
             "would be bigger than any computer.",
             "tourSheetZoom", "zoom_slider"),
    TourStop("llm", "next-word", "The model's guess",
             "A small GPT gives a probability to every word it knows. After 'my dog's name is ben. ben likes to "
             "play' it says 'fetch'; change 'dog' to 'brother' and its guess changes to 'soccer'.",
             "tourNextWordPrompt", "prompt_box", (("text", "prompt_box", FLAGSHIP),)),
    TourStop("llm", "attention", "Attention",
             "How does the model know Ben is a dog? Attention: each word looks back at the earlier words and "
             "takes in what it finds useful. Pick the last word and see which words it looks at.",
             "tourAttentionPrompt", "prompt_box", (("text", "prompt_box", FLAGSHIP),), may_fall_back=True),
    TourStop("llm", "generate", "Writing word by word",
             "Text is written one token at a time: the model guesses, one word is picked, it is added, and the "
             "model runs again on the longer text. It started writing when the page opened; press Reset, then "
             "Step, to go one token at a time.",
             "tourGenerateStep", "step_button"),
    TourStop("llm", "generate", "Temperature",
             "The picked word is drawn at random by its probability. Temperature bends those odds: low keeps to "
             "the likely words, high lets unlikely ones in. The tour has set it high (1.5); try 0 too.",
             "tourTemperature", "temp_slider", (("value", "temp_slider", 150),)),
    TourStop("llm", "assistant", "From autocomplete to assistant",
             "A base model only continues text, so a question may get more questions back. Training it further "
             "on example questions with answers (SFT) turns it into something that answers and stops.",
             "assistantQuestion", "question_box", may_fall_back=True, named_elsewhere=True),
    TourStop("llm", "assistant", "A reward for good answers",
             "Which of several answers is best? In real chatbots people rank them; here a script plays the raters, "
             "with fixed rules. A reward model learns that order, and RLHF nudges the language model toward "
             "answers it scores high.",
             "assistantManyAnswers", may_fall_back=True, named_elsewhere=True),
    TourStop("llm", "assistant", "You are the human in the loop",
             "Here you play the human instead of the script: you put the answers in order, and a reward model and "
             "RL learn from your order (on copies; the shipped models stay as they are).",
             "assistantBeHuman", may_fall_back=True, named_elsewhere=True),
    TourStop("llm", "scale", "Why now: scale",
             "The same GPT at four sizes, trained on the same text. The bigger it is, the lower its loss, and only "
             "the bigger ones look back far enough to tell a dog from a brother.",
             "scalePlotParameters"),
    TourStop("embeddings", "three-numbers", "Words as vectors",
             "Describe each word with a few numbers (royalty, masculinity, femininity) and words become points. "
             "Arithmetic then means something: king − man + woman lands on queen.",
             "tourAnalogyAnswer", "answer_label"),
    TourStop("embeddings", "learn-vectors", "Learning vectors from text",
             "Nobody types these numbers in. A model reads a story and nudges each word's vector to predict its "
             "neighbours; press Train and watch words that are used alike drift together.",
             "tourLearnVectors", "train_button"),
    TourStop("embeddings", "sentences", "Sentences as vectors",
             "A whole sentence can be one vector too. Search finds sentences that mean the same even with no "
             "word in common.",
             "tourSentenceQuery", "query_edit"),
    TourStop("embeddings", "songs", "Songs as vectors",
             "Songs become vectors too: here each gets three made-up numbers (how rock, classical, EDM). Your "
             "taste is the average of your songs, and the nearest songs are your recommendations.",
             "tourSongsTable", "table"),
    TourStop("neuralnet", "neuron", "A neuron",
             "A neuron multiplies each input by a weight, adds them up and fires when the sum passes a "
             "threshold. Move the threshold and see which inputs make it fire.",
             "tourNeuronThreshold", "threshold_slider"),
    TourStop("neuralnet", "playground", "Learning by backpropagation",
             "Nobody sets the weights by hand: backpropagation works out how each weight should move to make the "
             "error smaller. Press Play and watch the boundary bend to fit the points.",
             "tourPlaygroundPlay", "play_button"),
    TourStop("neuralnet", "classifier", "An image classifier",
             "The same idea with pictures: 64 pixels (8×8) in, 10 digit scores out. Draw a digit here and see "
             "how sure it is of each digit.",
             "tourDrawPad", "pad"),
    TourStop("neuralnet", "compression", "Compression",
             "An autoencoder squeezes each digit into two or three numbers and rebuilds it. To compress well it "
             "must find what digits have in common: compression and understanding go together.",
             "tourCompressionTrain", "train_button"),
    TourStop("diffusion", "add-noise", "Adding noise",
             "Diffusion starts from the easy direction: mix a picture with more and more noise until nothing is "
             "left. The tour has moved the slider halfway (t = 500 of 999).",
             "tourNoiseSlider", "t_slider", (("value", "t_slider", 500),)),
    TourStop("diffusion", "remove-noise", "Removing noise",
             "A model trained to guess the noise can run the film backwards: from pure noise, a little noise is "
             "taken away at every step until a picture appears. The run has started; Run makes another.",
             "tourRemoveNoiseRun", "run_button", (("click", "run_button"),), may_fall_back=True),
    TourStop("diffusion", "caption", "A caption as the clue",
             "Give the noise-remover a caption's numbers as a clue and it removes the noise toward that caption. "
             "Guidance sets how hard the clue pushes.",
             "tourCaptionGuidance", "guidance_slider", may_fall_back=True),
    TourStop("diffusion", "music", "Music from noise",
             "Sound drawn as a picture (a spectrogram) can be painted by diffusion too, then turned back into "
             "sound. That is the whole story: numbers, guessing, learning, and noise.",
             "tourMusicMake", "make_button"),
)
