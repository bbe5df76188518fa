"""Page "From autocomplete to assistant": one question to base · SFT · DPO · RLHF, many answers ranked by the reward
model, and "Be the human" (parts in many_answers.py, be_the_human.py, assistant_table.py)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSlider,
    QSpinBox,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from engines.core.device import torch_available
from lab_app.tabs.llm.common import device_for, escape, open_cached
from lab_app.tabs.page import LabPage

# (column title, model folder name, one line on how it was made)
MODELS = (
    ("Base", "story-gpt", "trained only to continue story-world text"),
    ("SFT", "story-sft", "+ shown question → answer examples"),
    ("DPO (the shortcut)", "story-dpo", "SFT + pairs of a better and a worse answer"),
    ("RLHF", "story-rlhf", "SFT + RL against the reward model"),
)
MISSING_TEXT = "Not installed: this copy of the app came without this model."
NEEDS_TORCH = ("Needs PyTorch, which this build leaves out (the full build has it): the four answers work here, "
               "sampling many answers, the reward model's scores and training do not.")

EXPLAINER = """
<p>All four columns are the <b>same small network</b> at different stages, each trained on something different.
<b>Base</b>: story-world text, which (like the web) also holds a few requests to hurt a pet or break a toy, answered
as asked; it only continues text, so a question is just more text. <b>SFT</b>: a few thousand question → answer
examples with an end mark; it learns to answer and stop. It copies its examples: here we left most harmful requests
in them answered on purpose (15% refused), so you can see that; real SFT examples are written by people and include
refusals, which RLHF then strengthens. <b>The reward model is not a column</b>: it is the judge used to train the
RLHF column. It exists because people can rank only a few thousand answers, while RL needs a score for every new
answer the model tries: the reward model learns to copy their rankings and scores in their place. In real chatbots people rank answers; here a script plays the raters, with
fixed rules and a little seeded randomness (as people disagree). The rules give each
answer points (refusing harm 10, a refusal cut off mid-sentence 7, helping 1; right beats wrong, polite beats rude, short beats rambling;
refusing a harmless question 2); answers are put in order by their points, and the reward model (the same network,
one number out) learns to score them in that order. <b>RLHF</b> is trial and error (reinforcement
learning): the SFT model tries answers, the reward model scores them, and it does more of what scored well. A
penalty (KL) keeps it close to SFT: without it the model learns to game the judge, writing odd text that happens to
score high. <b>This is where values enter</b>: in the raters' rules, and so in the reward model. <b>DPO</b> learns
from better/worse pairs directly, without a reward model. On <b>Be the human</b> you do the ranking yourself. A tiny
model in a toy world: outside it, it knows nothing.</p>
"""


class AssistantPage(LabPage):
    def __init__(self, ctx, spec, parent: QWidget | None = None) -> None:
        super().__init__(ctx, spec, parent)
        self._epoch = 0
        self.answers: dict[str, dict] = {}
        self.runner = self.new_runner("assistant", show_in_status_bar=False)
        self.runner.frame.connect(lambda frame: self._apply(frame.payload))
        self.runner.finished.connect(lambda payload: payload and self._apply(payload))
        self.runner.running_changed.connect(lambda running: self.ask_button.setText("Stop" if running else "Ask"))
        self._build_controls()
        self._build_picture()
        self.set_explainer(EXPLAINER)
        from engines.llm.assistant_lab import recorded_table

        self.table.show_rows(recorded_table())
        self.ask()  # first sight: the four columns answer the preset question (tiny models, a job off the GUI thread)

    # -- layout -------------------------------------------------------------------------------
    def _build_controls(self) -> None:
        from engines.llm.assistant_data import OPENING_PRESET, PRESET_QUESTIONS

        self.controls.addWidget(QLabel("Preset questions:"))
        self.preset_box = QComboBox()
        self.preset_box.addItem("Pick one…", "")
        for prompt in PRESET_QUESTIONS:
            self.preset_box.addItem(prompt.strip().replace("\n", " · "), prompt)
        self.preset_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.preset_box.setMinimumContentsLength(10)
        self.preset_box.activated.connect(lambda index: self.use_preset(index - 1) if index > 0 else None)
        self.controls.addWidget(self.preset_box)
        question_label = QLabel("Question (a story line, then the question):")
        question_label.setWordWrap(True)
        self.controls.addWidget(question_label)
        self.question_box = QPlainTextEdit(PRESET_QUESTIONS[OPENING_PRESET])
        self.question_box.setObjectName("assistantQuestion")
        self.question_note = QLabel("")
        self.question_note.setWordWrap(True)
        self.question_note.setStyleSheet("color: #e03131")
        self.question_box.setMinimumHeight(90)
        self.question_box.setMaximumHeight(110)
        self.controls.addWidget(self.question_box)
        self.controls.addWidget(self.question_note)
        self.ask_button = QPushButton("Ask")
        self.ask_button.clicked.connect(self.ask_or_stop)
        self.controls.addWidget(self.ask_button)
        self.temp_label = QLabel()
        self.temp_slider = QSlider(Qt.Orientation.Horizontal)
        self.temp_slider.setRange(0, 150)
        self.temp_slider.setValue(0)
        self.temp_slider.valueChanged.connect(self._temp_changed)
        self.controls.addWidget(self.temp_label)
        self.controls.addWidget(self.temp_slider)
        self.temp_note = QLabel()
        self.temp_note.setWordWrap(True)
        self.temp_note.setStyleSheet("color: gray")
        self.controls.addWidget(self.temp_note)
        self.controls.addWidget(QLabel("Most tokens per answer:"))
        self.length_box = QSpinBox()
        self.length_box.setRange(5, 100)
        self.length_box.setValue(40)
        self.controls.addWidget(self.length_box)
        self.controls.addWidget(QLabel("Seed (temperature above 0):"))
        self.seed_box = QSpinBox()
        self.seed_box.setRange(0, 99999)
        self.controls.addWidget(self.seed_box)
        self.many_model = QComboBox()
        for title, name, _ in MODELS:
            self.many_model.addItem(title, name)
        self.many_model.setCurrentIndex(1)
        self.many_button = QPushButton("Many answers")
        self.many_button.setObjectName("assistantManyAnswers")
        self.many_button.setToolTip("Sample 10 answers from the chosen model (at least temperature 1) and rank them "
                                    "by the reward model")
        self.many_button.clicked.connect(self.ask_many)
        self.controls.addWidget(QLabel("Many answers from:"))
        self.controls.addWidget(self.many_model)
        self.controls.addWidget(self.many_button)
        if not torch_available():  # the lite build: answers come from ONNX, sampling and scoring need torch
            self.many_button.setEnabled(False)
            self.many_button.setToolTip(NEEDS_TORCH)
        self.many_runner = self.new_runner("many-answers", show_in_status_bar=False)
        self.many_runner.finished.connect(self._many_done)
        self.many_runner.failed.connect(lambda failure: self.many.show_message(f"Stopped: {failure.message}"))
        self._temp_changed(0)

    def _build_picture(self) -> None:
        host = QWidget()
        layout = QVBoxLayout(host)
        layout.setContentsMargins(0, 0, 0, 0)
        grid = QGridLayout()
        self.views: dict[str, QTextBrowser] = {}
        self.stop_labels: dict[str, QLabel] = {}
        self.reward_labels: dict[str, QLabel] = {}
        for col, (title, name, how) in enumerate(MODELS):
            head = QLabel(f"<b style='font-size:15px'>{title}</b><br><span style='color:gray'>{how}</span>")
            head.setToolTip(f"Model folder: {name}")
            head.setWordWrap(True)
            head.setMinimumWidth(60)
            grid.addWidget(head, 0, col)
            view = QTextBrowser()
            view.setMinimumHeight(120)
            grid.addWidget(view, 1, col)
            stop = QLabel("")
            stop.setWordWrap(True)
            stop.setMinimumHeight(34)
            grid.addWidget(stop, 2, col)
            reward = QLabel("")
            reward.setToolTip("The reward model's score for this answer (higher = better; only differences count)")
            grid.addWidget(reward, 3, col)
            self.views[name], self.stop_labels[name], self.reward_labels[name] = view, stop, reward
            grid.setColumnStretch(col, 1)
        grid.setRowStretch(1, 1)
        layout.addLayout(grid, 1)
        from lab_app.tabs.llm.assistant_table import AssistantTable
        from lab_app.tabs.llm.be_the_human import BeTheHumanPanel
        from lab_app.tabs.llm.many_answers import ManyAnswersView

        self.tabs = QTabWidget()
        self.table = AssistantTable()
        self.many = ManyAnswersView()
        self.human = BeTheHumanPanel(self.new_runner("be-the-human", show_in_status_bar=False), self.checked_prompt)
        if not torch_available():
            self.human.draw_button.setEnabled(False)
            self.human.draw_button.setToolTip(NEEDS_TORCH)
            self.many.show_message(NEEDS_TORCH)
        self.tabs.addTab(self.table, "Measured")
        self.tabs.addTab(self.many, "Many answers, ranked")
        self.tabs.addTab(self.human, "Be the human")
        layout.addWidget(self.tabs, 2)
        self.set_picture(host)
        self._show_answers()

    # -- actions ------------------------------------------------------------------------------
    @property
    def temperature(self) -> float:
        return self.temp_slider.value() / 100.0

    def _temp_changed(self, _value: int) -> None:
        t = self.temperature
        self.temp_label.setText(f"Temperature: <b>{t:.2f}</b>")
        self.temp_note.setText("0: each model takes its most likely next token at every step, so it gives the "
                               "same answer every time" if t == 0 else
                               "above 0: answers are drawn; rarer (and ruder) answers can appear")

    def use_preset(self, index: int) -> None:
        from engines.llm.assistant_data import PRESET_QUESTIONS

        self.question_box.setPlainText(PRESET_QUESTIONS[index])
        self.ask()

    def ask_or_stop(self) -> None:
        if self.runner.is_running():
            self.runner.cancel()
        else:
            self.ask()

    def checked_prompt(self) -> str:
        """The question in the tuned models' format (the answer starts on a new line); ValueError when unusable."""
        from engines.llm.assistant_data import unknown_words
        from engines.llm.assistant_lab import MAX_NEW_TOKENS, stage_tokenizer
        from engines.llm.model_store import ModelNotFound

        text = self.question_box.toPlainText().strip()
        if not text:
            raise ValueError("Type a question first (a story line, then the question).")
        try:
            tokenizer = stage_tokenizer("sft")
            n = len(tokenizer.encode(text + "\n"))
            unknown = sorted(unknown_words(tokenizer, [text]))
        except ModelNotFound:
            n, unknown = len(text.split()), []
        self.question_note.setText(f"Words these models never saw (each is read as &lt;unk&gt;): {', '.join(unknown)}"
                                   if unknown else "")
        if n > 128 - MAX_NEW_TOKENS:
            raise ValueError(f"The question is {n} tokens long; these models read at most {128 - MAX_NEW_TOKENS}.")
        return text + "\n"

    def ask_many(self) -> None:
        from engines.llm.assistant_lab import many_answers

        try:
            prompt = self.checked_prompt()
        except ValueError as exc:
            self.many.show_message(str(exc))
            self.tabs.setCurrentWidget(self.many)
            return
        name, t, seed = self.many_model.currentData(), max(1.0, self.temperature), self.seed_box.value()
        self._many_args = (self.many_model.currentText(), t)
        self.tabs.setCurrentWidget(self.many)
        self.many.show_message("Sampling 10 answers…")
        self.many_runner.start(lambda cancel: many_answers(name, prompt, 10, t, seed, cancel=cancel),
                               label="Many answers")

    def _many_done(self, rows) -> None:
        if isinstance(rows, list):
            self.many.show_ranked(rows, *self._many_args)

    def ask(self) -> None:
        try:
            prompt = self.checked_prompt()
        except ValueError as exc:
            self.stop_labels[MODELS[0][1]].setText(str(exc))
            return
        self.runner.cancel()
        self._epoch += 1
        self.answers = {}
        self._show_answers()
        names = [m[1] for m in MODELS]
        backend, device, threads = self.ctx.backend, device_for(self.ctx), self.ctx.current.threads
        args = (names, prompt, self.temperature, self.seed_box.value(), self.length_box.value())
        epoch = self._epoch
        from engines.llm.assistant_lab import ask_stages

        self.runner.start(lambda cancel: ask_stages(lambda name: open_cached(name, backend, device, threads), *args,
                                                    cancel=cancel, epoch=epoch), label="Answering")

    def _apply(self, payload: dict) -> None:
        if payload.get("epoch") != self._epoch:
            return
        self.answers = payload["answers"]
        self._show_answers()

    def _show_answers(self) -> None:
        limit = self.length_box.value()
        for _, name, _ in MODELS:
            state = self.answers.get(name)
            view, stop = self.views[name], self.stop_labels[name]
            score = (state or {}).get("reward")
            done = state is not None and state.get("stop") is not None and not state.get("missing")
            note = "Reward model's score: needs PyTorch (full build)" if done and not torch_available() else ""
            self.reward_labels[name].setText(note if score is None else f"Reward model's score: <b>{score:+.2f}</b>")
            if state is None:
                view.setHtml("<span style='color:gray'>"
                             f"{'Loading the models and answering…' if self._epoch else 'Press Ask.'}</span>")
                stop.setText("")
                continue
            if state.get("missing"):
                view.setHtml(f"<span style='color:gray'>{escape(MISSING_TEXT)}</span>")
                stop.setText("")
                continue
            text = escape(state["text"]).replace("\n", "<span style='color:#aaa'>↵</span><br>")
            end = {"eos": "<span style='background:#2f9e44; color:white'>&nbsp;end&nbsp;</span>",
                   "limit": "<span style='color:#e03131'>…</span>"}.get(state["stop"], "▌")
            view.setHtml(f"<div style='font-size:15px'>{text} {end}</div>")
            n = state["n_tokens"]
            stop.setText({"eos": f"<span style='color:#2f9e44'>Stopped by itself after {n} tokens.</span>",
                          "limit": f"<span style='color:#e03131'>Still going: cut off at the limit of {limit} "
                                   f"tokens.</span>"}.get(state["stop"], f"{n} tokens so far…"))

    def answer_texts(self) -> dict[str, str]:
        return {name: state.get("text", "") for name, state in self.answers.items()}
