"""The glossary's words, in plain language: plain data (no Qt), read by the dialog, the links and the tests.

Each term has a one-line meaning (shown when the pointer rests on the word in an explainer), a longer
paragraph, the word forms that link to it inside explainer texts, and the page that shows it
(``(tab key, page key)``, or None).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Term:
    key: str
    name: str
    one_liner: str
    paragraph: str
    forms: tuple[str, ...] = ()  # lower-case word forms that link here besides ``name``
    page: tuple[str, str] | None = None

    @property
    def all_forms(self) -> tuple[str, ...]:
        return (self.name.lower(), *self.forms)


TERMS: tuple[Term, ...] = (
    Term("token", "token", "A piece of text the model reads as one number: a word, part of a word or a sign.",
         "Before a language model can read text, the text is cut into tokens and each token is replaced by its "
         "number in a list. Some tokenizers cut at spaces (whole words); others, like GPT-2's, learn common "
         "pieces of words, so a rare word becomes several tokens.", ("tokens", "tokenizer", "tokenizers"),
         ("llm", "tokens")),
    Term("vocabulary", "vocabulary", "The list of all tokens a model knows, each with its number.",
         "The vocabulary is fixed before training. The model's last step gives one score for every entry in it, "
         "so a bigger vocabulary means a bigger output. A word missing from a word vocabulary becomes "
         "'unknown'.", ("vocabularies",), ("llm", "tokens")),
    Term("ngram", "n-gram", "A run of n words in a row; an n-gram table counts which word came next after each run.",
         "The simplest next-word guesser is a table: for every run of words seen in the text, count what came "
         "next. It works for short runs, but the number of possible runs grows as the vocabulary to the power "
         "n, so with longer context the table explodes and most of its cells were never seen.",
         ("n-grams", "bigram", "trigram"), ("llm", "ngrams")),
    Term("language-model", "language model", "A program that gives a probability to every possible next token.",
         "A language model reads the text so far and returns a probability for each token in its vocabulary. "
         "Writing text is just asking it again and again and adding one chosen token each time.",
         ("language models", "llm", "llms"), ("llm", "next-word")),
    Term("probability", "probability", "A number from 0 to 1 saying how likely something is; all choices add up to 1.",
         "The model's output for the next token is a probability for every token in the vocabulary. The "
         "bars on the Next word page are these numbers; together they add up to 1 (100 %).",
         ("probabilities",), ("llm", "next-word")),
    Term("parameter", "parameter",
         "One number inside a model that training adjusts; models have thousands to billions.",
         "Weights and biases are parameters. A model's size is usually given as its number of parameters: the "
         "small story model here has under a million, GPT-2 small has 124 million, large chat models hundreds "
         "of billions.", ("parameters",), ("llm", "scale")),
    Term("embedding", "embedding", "A list of numbers (a vector) that stands for a word, sentence, song or picture.",
         "An embedding puts things that are used alike close together: 'king' lies near 'queen'. Inside a "
         "language model, every token's number is first turned into such a vector, and the model works on "
         "vectors from then on.", ("embeddings", "word vector", "word vectors"), ("embeddings", "three-numbers")),
    Term("vector", "vector", "A list of numbers, read as a point or an arrow in space.",
         "Three numbers make a point in 3D; the lab's word vectors have 50, GPT-2's have 768. Vectors can be "
         "added and subtracted number by number, which is what king − man + woman does.",
         ("vectors",), ("embeddings", "three-numbers")),
    Term("cosine-similarity", "cosine similarity", "How much two vectors point the same way: 1 same, 0 unrelated.",
         "It compares directions, not lengths, so a long and a short sentence about the same thing can still "
         "score high. Sentence search and the songs learned from playlists rank by it; the toy songs use "
         "plain distance.", ("similarity",),
         ("embeddings", "sentences")),
    Term("skip-gram", "skip-gram", "A way to learn word vectors: guess the words that appear near each word.",
         "Each word's vector is nudged so it predicts its neighbours in the text. Words that keep the same "
         "company end up with similar vectors, without anyone telling the model what the words mean.",
         ("word2vec",), ("embeddings", "learn-vectors")),
    Term("transformer", "transformer",
         "The kind of network behind GPT: layers of attention and small feed-forward nets.",
         "A transformer turns each token into a vector, then lets the vectors exchange information through "
         "attention, layer after layer. The last layer's vector for the last token gives the next-token "
         "probabilities. The design is from 2017.", ("transformers", "gpt"), ("llm", "attention")),
    Term("attention", "attention",
         "How a token's vector takes in information from the earlier tokens it finds relevant.",
         "Each token scores every earlier token, turns the scores into weights that add up to 1, and mixes in "
         "their vectors by those weights. This is how 'ben' can pick up that Ben is a dog from five words "
         "back.", (), ("llm", "attention")),
    Term("head", "attention head", "One of several attention patterns a layer computes side by side.",
         "A layer splits its attention into heads; each can learn to look for something different (the "
         "previous word, the name, the start of the sentence). Their results are joined again.",
         ("head", "heads", "attention heads"), ("llm", "attention")),
    Term("layer", "layer", "One stage of a network; the output of one layer is the input of the next.",
         "Deep networks stack many layers. In a transformer each layer has attention and a small "
         "feed-forward network; the story model has 4 layers, GPT-2 small has 12.", ("layers",),
         ("neuralnet", "playground")),
    Term("context-window", "context window", "How many tokens a model can look at at once.",
         "Text longer than the context window is cut, and the model cannot see the cut part at all. The story "
         "model's window is 128 tokens; GPT-2's is 1024.", ("context windows",), ("llm", "attention")),
    Term("autoregressive", "autoregressive", "Writing one token at a time, each new token fed back in as input.",
         "The model never writes a whole sentence at once: it picks the next token, adds it to the text and "
         "runs again on the longer text.", ("word by word",), ("llm", "generate")),
    Term("temperature", "temperature", "A knob for how adventurous the next-token choice is.",
         "Low temperature makes the likely tokens even likelier (at 0, the most likely token is always "
         "picked); high temperature flattens the choice so unlikely tokens get picked more often.",
         (), ("llm", "generate")),
    Term("sampling", "sampling", "Picking the next token at random, by its probability.",
         "A token with probability 0.3 is picked about 3 times in 10. Top-k keeps only the k likeliest tokens "
         "before picking; top-p keeps the likeliest ones until their probabilities add up to p.",
         ("top-k", "top-p"), ("llm", "generate")),
    Term("softmax", "softmax", "The step that turns a model's raw scores into probabilities that add up to 1.",
         "Bigger scores get a much bigger share: each score goes through a steep growing curve (the power of "
         "e) and the results are shared out so they add up to 1. Temperature divides the scores first.", (),
         ("llm", "next-word")),
    Term("base-model", "base model", "A language model trained only to continue text, not to answer.",
         "Trained on lots of text, it continues whatever it is given: a question may get more questions back. "
         "Assistants start from a base model and are fine-tuned.", ("base models",), ("llm", "assistant")),
    Term("fine-tuning", "fine-tuning",
         "More training of an already trained model, on a smaller, chosen set of examples.",
         "It starts from the trained weights instead of random ones, so a little data changes the behaviour "
         "without losing what the model already knew.", ("fine-tuned", "fine-tune"), ("llm", "assistant")),
    Term("sft", "SFT", "Supervised fine-tuning: more training on example questions with their answers.",
         "The model copies question → answer examples (for real chatbots written by people; here generated "
         "by the app, good and bad, with most harmful requests answered). Afterwards it answers a question and "
         "stops instead of continuing it, but copying alone does not teach it which answers are good.",
         ("supervised fine-tuning", "instruction tuning", "instruction-tuned"), ("llm", "assistant")),
    Term("reward-model", "reward model", "A model trained to score answers the way raters ordered them.",
         "For real chatbots people rank answers; in this lab a script plays the raters, with fixed rules and "
         "a little randomness. A model learns to give the better answer of each pair the higher score. RLHF "
         "then trains the language model to earn high scores.", ("reward models",),
         ("llm", "assistant")),
    Term("rlhf", "RLHF", "Reinforcement learning from human feedback: trial and error guided by a reward model.",
         "The language model writes answers, the reward model scores them, and the language model is nudged "
         "toward answers that score high, while a KL penalty keeps it close to where it started. DPO, the "
         "shortcut the lab shows beside it, learns from the same preference pairs without a reward model.",
         ("dpo", "preference tuning", "preference-tuned"), ("llm", "assistant")),
    Term("kl-penalty", "KL penalty", "A cost for drifting too far from the original model during preference tuning.",
         "KL divergence measures how different two probability lists are. Without this cost the model can find "
         "odd answers that fool the reward model; with it, it keeps writing like itself.",
         ("kl divergence", "kl"), ("llm", "assistant")),
    Term("scaling-law", "scaling law", "Loss falls as a steady power law as models, data and compute grow.",
         "Plotted on log–log axes, the loss against the model's size (or the compute spent) is close to a "
         "straight line. This is why bigger models trained on more text kept getting better.",
         ("scaling laws", "power law"), ("llm", "scale")),
    Term("flops", "FLOPs", "Floating-point operations: the count of additions and multiplications a computer does.",
         "Training a model of N parameters on D tokens takes about 6 × N × D of them (forward and backward "
         "pass). That product is what 'compute' means in scaling plots.", ("flop",),
         ("llm", "scale")),
    Term("neuron", "neuron", "A weighted sum of inputs, passed through an activation: the building block of networks.",
         "Each input is multiplied by its weight and the products are added; with a step activation the "
         "neuron 'fires' when the sum reaches a threshold θ. Often this is written with a bias instead: "
         "bias = −threshold is added to the sum, and it fires when the result reaches 0.",
         ("neurons", "perceptron"), ("neuralnet", "neuron")),
    Term("activation", "activation", "The function a neuron applies to its weighted sum, e.g. a step or ReLU.",
         "Without it, layers of neurons would add up to one weighted sum. The bend it adds is what lets "
         "networks draw curved boundaries.", ("activations", "relu", "sigmoid", "tanh"),
         ("neuralnet", "neuron")),
    Term("training", "training", "Adjusting a model's parameters, example after example, so its loss goes down.",
         "Each step shows a few examples, measures the loss and changes every parameter a little in the "
         "direction that lowers it.", ("trained",), ("neuralnet", "playground")),
    Term("loss", "loss", "One number for how wrong the model is on the examples: lower is better.",
         "For next-token models it is the average of −log(probability the model gave the right token). "
         "Training lowers the training loss; the validation loss, on text held back, shows whether it "
         "generalises.", ("validation loss", "val loss"), ("llm", "train")),
    Term("gradient", "gradient", "For each parameter, which way and how steeply the loss changes when it moves.",
         "Training takes a small step against the gradient ('downhill'). The learning rate sets the size of "
         "that step.", ("gradients", "gradient descent", "learning rate"), ("neuralnet", "playground")),
    Term("backpropagation", "backpropagation",
         "The bookkeeping that finds every parameter's gradient, from the output back.",
         "The error at the output is passed backwards through the layers with the chain rule, so each weight "
         "learns how much it contributed. Its roots are in the 1970s; Rumelhart, Hinton and Williams made it "
         "widely used in 1986.", ("backprop",), ("neuralnet", "playground")),
    Term("overfitting", "overfitting", "Learning the training examples by heart instead of the pattern.",
         "The training loss keeps falling while the validation loss rises. More data, a smaller model, "
         "dropout or stopping earlier help.", ("overfit", "overfits", "over-fitted"), ("llm", "train")),
    Term("classifier", "classifier",
         "A model that puts an input into one of a fixed set of classes, e.g. the digits 0–9.",
         "It outputs a probability for each class. The lab's digit classifier learns from thousands of "
         "labelled handwritten digits.", ("classifiers",), ("neuralnet", "classifier")),
    Term("autoencoder", "autoencoder",
         "A network that squeezes its input into a few numbers and rebuilds it from them.",
         "The encoder compresses, the decoder decompresses, and training makes the rebuilt picture match the "
         "original. What survives the squeeze is what matters most.", ("autoencoders",),
         ("neuralnet", "compression")),
    Term("latent", "latent space", "The space of the few numbers an autoencoder squeezes each input into.",
         "Each point there decodes to a picture; nearby points give similar pictures, so walking through it "
         "morphs one digit into another. Big image makers such as Stable Diffusion remove noise in such a "
         "space; this lab's diffusion models work on the pixels themselves.", ("latent", "latents"),
         ("neuralnet", "compression")),
    Term("compression", "compression", "Saying the same thing with fewer numbers by finding its patterns.",
         "To predict or rebuild data well from little, a model must capture its regularities; that is why "
         "compression and understanding are often called two sides of one coin.", ("compress", "compresses"),
         ("neuralnet", "compression")),
    Term("diffusion", "diffusion model", "A model that makes pictures by removing noise step by step.",
         "It is trained on pictures with noise added, to guess the noise. To make a new picture it starts "
         "from pure noise and removes a little of its guess at every step.", ("diffusion", "denoising"),
         ("diffusion", "remove-noise")),
    Term("noise-schedule", "noise schedule", "The plan for how much noise is mixed in at each step.",
         "At step 0 the picture is clean; at the last step it is pure noise. The schedule (linear, cosine…) "
         "decides how fast the picture fades in between.", ("schedule",), ("diffusion", "add-noise")),
    Term("guidance", "guidance", "How strongly a caption steers a diffusion model.",
         "The model guesses the noise twice, with and without the caption, and pushes the difference further "
         "(classifier-free guidance). Higher guidance follows the caption more closely but can look harsh.",
         ("guidance scale",), ("diffusion", "caption")),
    Term("spectrogram", "spectrogram",
         "A picture of sound: time left to right, pitch bottom to top, loudness as brightness.",
         "Because it is a picture, a diffusion model can paint one; turning it back into sound then needs the "
         "missing phase to be guessed.", ("spectrograms", "mel"), ("diffusion", "music")),
    Term("onnx", "ONNX", "A file format for trained models, so any program can run them without the training code.",
         "The lab exports its models to ONNX and runs them with ONNX Runtime, which is often faster than "
         "PyTorch for small models.", ("onnx runtime",), ("llm", "under-the-hood")),
    Term("gpu", "GPU",
         "A graphics chip with thousands of small cores; it does a model's many multiplications in parallel.",
         "Training big models needs them. The lab's models are small enough for a normal CPU; with a GPU, "
         "training and generation are faster.", ("gpus", "cuda"), ("llm", "under-the-hood")),
)

BY_KEY = {t.key: t for t in TERMS}


def search(query: str) -> list[Term]:
    """Terms whose name or forms start with ``query`` first, then those that contain it anywhere (also in the text)."""
    q = query.strip().lower()
    if not q:
        return sorted(TERMS, key=lambda t: t.name.lower())
    starts = [t for t in TERMS if any(f.startswith(q) for f in t.all_forms)]
    inside = [t for t in TERMS if t not in starts and any(q in f for f in t.all_forms)]
    text = [t for t in TERMS if t not in starts and t not in inside
            and (q in t.one_liner.lower() or q in t.paragraph.lower())]
    return starts + inside + text
