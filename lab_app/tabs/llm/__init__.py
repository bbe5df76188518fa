from lab_app.tabs.spec import PageSpec, TabSpec

TAB = TabSpec(
    key="llm",
    title="LLM",
    summary="How a language model turns words into numbers and guesses the next word.",
    pages=(
        PageSpec("tokens", "Words are numbers", "Type text and see every word and piece of a word get its number.",
                 plans=("A word dictionary and a BPE tokenizer side by side, colour-coded",
                        "Unknown words made visible")),
        PageSpec("ngrams", "The spreadsheet", "A next-word table counted from real text, and why it explodes.",
                 plans=("Pick 1, 2 or 3 words of context and see the ranked next words",
                        "How many cells a full table would need, next to a transformer's size")),
        PageSpec("next-word", "Next word", "The model's probability for every possible next word, live as you type.",
                 plans=("Bars for the top 20 next tokens", "Click a bar to append that token")),
        PageSpec("attention", "Attention", "Which earlier words each word looks at, layer by layer, head by head.",
                 plans=("A token × token heatmap per layer and head", "Lines from a word to what it attends to")),
        PageSpec("generate", "Generate", "Text grows one token at a time; temperature decides how adventurous.",
                 plans=("Step / Play / Reset with the distribution at each step",
                        "Temperature, top-k, top-p and seed; three temperatures side by side")),
        PageSpec("assistant", "From autocomplete to assistant", "The same question to a base model and to a "
                 "model fine-tuned to answer.", plans=("Base vs instruction-tuned vs feedback-tuned answers",)),
        PageSpec("train", "Train on your own text", "Pick a text file and watch a small GPT learn it.",
                 plans=("Loss curve and samples that improve while you watch", "Save the model and use it everywhere")),
        PageSpec("under-the-hood", "Under the hood", "PyTorch vs ONNX Runtime, CPU vs GPU, and the KV cache.",
                 plans=("Milliseconds per token for each runtime", "Generation with and without the cache")),
    ),
)
