"""Page "Next word": the model's top 20 next tokens for the prompt, live as you type; click one to add it."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QPlainTextEdit, QPushButton, QWidget

from lab_app.tabs.llm.common import (NO_MODEL_TEXT, Debouncer, ModelPicker, call_job, device_for, escape,
                                     open_cached)
from lab_app.tabs.llm.prob_bars import ProbabilityBars
from lab_app.tabs.page import LabPage

DEFAULT_PROMPT = "my dog's name is ben. ben likes to play"
# The spreadsheet page offers the same first prompt, so its near coin-flip sits beside this page's guess.
EXAMPLES = (("Ben the dog", DEFAULT_PROMPT), ("Ben the brother", "my brother's name is ben. ben likes to play"),
            ("hey, how are", "hey, how are"))
TOP = 20

EXPLAINER = """
<p>This is all a language model ever does: read the text so far and give <b>every</b> token in its vocabulary a
probability of coming next. The bars show the 20 most likely ones; the rest share what is left. Nothing is
looked up in a table — the guess is computed fresh from the whole prompt by the model's learned numbers, so a
word far back (“dog” vs “brother”) can change the answer. Click a bar to append that token and see how the
next guess changes; keep clicking and you are writing text the way the model does, one token at a time.</p>
"""


def top_next_tokens(name: str, backend: str, device: str, threads: int, prompt: str) -> dict:
    from engines.llm.generate import next_token_distribution

    runner, tokenizer, _ = open_cached(name, backend, device, threads)
    return next_token_distribution(runner, tokenizer, prompt, top=TOP)


class NextWordPage(LabPage):
    def __init__(self, ctx, spec, parent: QWidget | None = None) -> None:
        super().__init__(ctx, spec, parent)
        self.last: dict | None = None
        self.runner = self.new_runner("next word", show_in_status_bar=False)
        self.runner.finished.connect(self._on_result)
        self.runner.failed.connect(self._on_failed)

        self.controls.addWidget(QLabel("Model:"))
        self.picker = ModelPicker()
        self.controls.addWidget(self.picker)
        self.controls.addWidget(QLabel("Prompt:"))
        self.prompt_box = QPlainTextEdit(DEFAULT_PROMPT)
        self.prompt_box.setMinimumHeight(110)
        self.controls.addWidget(self.prompt_box)
        self.clear_button = QPushButton("Clear")
        self.clear_button.clicked.connect(lambda: self.prompt_box.setPlainText(""))
        self.controls.addWidget(self.clear_button)
        self.controls.addWidget(QLabel("Examples:"))
        for title, text in EXAMPLES:
            button = QPushButton(title)
            button.setToolTip(text)
            button.clicked.connect(lambda _=False, t=text: self.prompt_box.setPlainText(t))
            self.controls.addWidget(button)
        self.status_label = QLabel("")
        self.status_label.setWordWrap(True)
        self.controls.addWidget(self.status_label)

        self.bars = ProbabilityBars("The 20 most likely next tokens (click one to add it)", clickable=True)
        self.bars.clicked.connect(self.append_candidate)
        self.set_picture(self.bars)
        self.set_explainer(EXPLAINER)

        self.debounce = Debouncer(self, 250, self.update_bars)
        self.prompt_box.textChanged.connect(self.debounce.poke)
        self.picker.model_changed.connect(lambda _name: self.update_bars())
        self.update_bars()

    def showEvent(self, event) -> None:  # noqa: N802
        self.picker.refresh()
        super().showEvent(event)

    def update_bars(self) -> None:
        name = self.picker.current_name()
        prompt = self.prompt_box.toPlainText()
        if name is None:
            self.bars.set_placeholder(NO_MODEL_TEXT)
            return
        if not prompt.strip():
            self.runner.cancel()  # a guess for the old prompt must not come back and look like the answer
            self.bars.set_placeholder("Type a few words.")
            self.last = None
            return
        if not self.bars.items:  # first guess: say what is coming instead of showing an empty panel
            self.bars.set_placeholder(f"Loading {name} and working out its next-word guess…")
        args = (name, self.ctx.backend, device_for(self.ctx), self.ctx.current.threads, prompt)
        self.runner.start(lambda cancel: call_job(top_next_tokens, *args), label="Next-word guess")

    def _on_result(self, result: dict) -> None:
        self.last = result
        self.bars.set_items([(c["text"], c["prob"], c["id"]) for c in result["candidates"]])
        tokens = " ".join(f"[{escape(t)}]" for t in result["tokens"][-12:])
        more = "… " if len(result["tokens"]) > 12 else ""
        self.status_label.setText(f"The model reads {len(result['tokens'])} tokens: {more}{tokens}"
                                  + (f"<br>{escape(result['notice'])}" if result.get("notice") else ""))

    def _on_failed(self, failure) -> None:
        # the error dialog has the details; the bars must not keep showing the previous model's guess
        self.last = None
        self.bars.set_placeholder(f"No guess: {failure.message}")
        self.status_label.setText("")

    def append_candidate(self, index: int) -> None:
        if self.last is None or index >= len(self.last["candidates"]):
            return
        token = self.last["candidates"][index]["text"]
        self.prompt_box.setPlainText(append_token(self.prompt_box.toPlainText(), token, self.last["candidates"]))


def append_token(text: str, token: str, candidates: list[dict]) -> str:
    """Add a token to text: BPE tokens carry their own spaces; word tokens get one, except punctuation."""
    bpe_style = any(c["text"].startswith(" ") for c in candidates)
    if bpe_style or not text or text.endswith((" ", "\n")) or token == "\n":
        return text + token
    if token in (".", ",", "!", "?", ";", ":", ")") or token.startswith("'"):
        return text + token
    return text + " " + token
