"""Page "From autocomplete to assistant": one question to the base model, the SFT model and the DPO-tuned one."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QGridLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSlider,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from engines.core.jobs import CancelToken, Frame
from lab_app.tabs.llm.common import device_for, escape, open_cached
from lab_app.tabs.page import LabPage

# (column title, model folder name, one line on how it was made)
MODELS = (
    ("Base", "story-gpt", "trained only to continue story-world text"),
    ("SFT", "story-sft", "+ shown question → answer examples"),
    ("Preference-tuned (DPO)", "story-dpo", "+ nudged towards the better of two answers"),
)
MISSING_TEXT = "Not installed: this copy of the app came without this model."
METRIC_COLUMNS = (
    ("accuracy", "Right game", "{:.0%}"),
    ("polite", "Polite (temp 0)", "{:.0%}"),
    ("polite_sampled", "Polite (temp 1)", "{:.0%}"),
    ("mean_tokens", "Answer tokens", "{:.1f}"),
    ("stops", "Stops itself", "{:.0%}"),
)

EXPLAINER = """
<p>All three columns are the <b>same small network</b> at different stages. The <b>base</b> model only learned to
continue story-world text, so a question is just more text: it may write the answer, then run on into the next
story, because nothing told it where an answer ends. <b>SFT</b> (supervised fine-tuning) showed it a few thousand
question → answer examples with an end mark, scoring only the answer words: now it answers and stops. Those
examples were of mixed quality (some rude, some rambling) and SFT copies what it is shown. <b>Preference
tuning</b> then showed it pairs of a better and a worse answer and nudged it towards the better one. The first
ChatGPT-style chatbots did this with <b>RLHF</b>: a second model learned to score answers the way people had
ranked them, then the chatbot was trained by trial and error to earn high scores. <b>DPO</b>, used here and by
many newer chatbots, skips the scoring model and learns straight from the better/worse pairs. Honest scale: a
tiny model in a toy world. The table measures it on questions about names the tuning never used; outside this
world it knows nothing.</p>
"""


def ask_models(names, backend, device, threads, prompt, temperature, seed, max_tokens, cancel: CancelToken,
               epoch: int = 0):
    """A job: answer ``prompt`` with every model in turn, one token each round; one Frame per token.

    The payload holds every column's state (frames may be coalesced): ``{"epoch", "answers": {name: {...}}}``
    where each answer is ``{"text", "n_tokens", "stop"}`` or ``{"missing": True}``. Returns the last payload.
    """
    from engines.llm.assistant import answer
    from engines.llm.model_store import ModelNotFound

    jobs, answers = {}, {}
    for name in names:
        try:
            runner, tokenizer, _ = open_cached(name, backend, device, threads)
        except (ModelNotFound, FileNotFoundError):
            answers[name] = {"missing": True, "text": "", "n_tokens": 0, "stop": "missing"}
            continue
        answers[name] = {"text": "", "n_tokens": 0, "stop": None}
        jobs[name] = answer(runner, tokenizer, prompt, max_new_tokens=max_tokens, temperature=temperature,
                            seed=seed, cancel=cancel, tag=name)
    payload = {"epoch": epoch, "answers": answers}
    step = 0
    while jobs:
        for name in list(jobs):
            cancel.raise_if_cancelled()
            try:
                event = next(jobs[name])
            except StopIteration:
                del jobs[name]
                continue
            if isinstance(event, Frame):
                answers[name] = {k: event.payload[k] for k in ("text", "n_tokens", "stop")}
                if event.payload["stop"] is not None:
                    del jobs[name]
                payload = {"epoch": epoch, "answers": {k: dict(v) for k, v in answers.items()}}
                yield Frame(payload, step=step)
                step += 1
    return payload


def recorded_metrics() -> dict[str, dict[str, float]]:
    """The held-out metrics ``tools/train_assistant.py`` recorded in the asset manifest (empty when absent)."""
    import json

    from engines.core.paths import assets_dir

    try:
        data = json.loads((assets_dir() / "manifest.json").read_text(encoding="utf-8"))
        entry = data["assets"]["llm/story-dpo/model.safetensors"]
        return dict(entry["metrics"]["held_out"])
    except (OSError, KeyError, TypeError, ValueError):
        return {}


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
        self.show_metrics(recorded_metrics())

    # -- layout -------------------------------------------------------------------------------
    def _build_controls(self) -> None:
        from engines.llm.assistant_data import PRESET_QUESTIONS

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
        self.question_box = QPlainTextEdit(PRESET_QUESTIONS[0])
        self.question_box.setMinimumHeight(90)
        self.question_box.setMaximumHeight(110)
        self.controls.addWidget(self.question_box)
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
        self._temp_changed(0)

    def _build_picture(self) -> None:
        host = QWidget()
        layout = QVBoxLayout(host)
        layout.setContentsMargins(0, 0, 0, 0)
        grid = QGridLayout()
        self.views: dict[str, QTextBrowser] = {}
        self.stop_labels: dict[str, QLabel] = {}
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
            self.views[name], self.stop_labels[name] = view, stop
            grid.setColumnStretch(col, 1)
        grid.setRowStretch(1, 1)
        layout.addLayout(grid, 1)
        self.metrics_title = QLabel()
        self.metrics_title.setWordWrap(True)
        layout.addWidget(self.metrics_title)
        self.table = QTableWidget(len(MODELS), len(METRIC_COLUMNS))
        self.table.setHorizontalHeaderLabels([c[1] for c in METRIC_COLUMNS])
        self.table.setVerticalHeaderLabels([m[0] for m in MODELS])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        row_height = self.table.fontMetrics().height() + 8
        self.table.verticalHeader().setDefaultSectionSize(row_height)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.horizontalHeader().setMinimumSectionSize(40)
        self.table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        height = self.table.horizontalHeader().sizeHint().height() + 3 * row_height + 2 * self.table.frameWidth()
        self.table.setFixedHeight(height)
        layout.addWidget(self.table)
        self.set_picture(host)
        self._show_answers()

    def show_metrics(self, metrics: dict[str, dict[str, float]]) -> None:
        self.metrics = metrics
        questions = max((int(m.get("questions", 0)) for m in metrics.values()), default=0)
        self.metrics_title.setText(
            f"<b>Measured on {questions} held-out questions</b> (“what does X like to play?” and greetings, about "
            "names the tuning never used, recorded when the models were tuned):"
            if metrics else "No measurements were recorded with these models.")
        keys = {"story-gpt": "base", "story-sft": "sft", "story-dpo": "dpo"}
        for row, (_, name, _) in enumerate(MODELS):
            values = metrics.get(keys[name], {})
            for col, (key, _, fmt) in enumerate(METRIC_COLUMNS):
                text = fmt.format(values[key]) if key in values else "–"
                item = QTableWidgetItem(text)
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                self.table.setItem(row, col, item)

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

    def ask(self) -> None:
        prompt = self.question_box.toPlainText().strip()
        if not prompt:
            return
        prompt += "\n"  # the format the tuned models learned: the answer starts on a new line
        self.runner.cancel()
        self._epoch += 1
        self.answers = {}
        self._show_answers()
        names = [m[1] for m in MODELS]
        args = (names, self.ctx.backend, device_for(self.ctx), self.ctx.current.threads, prompt, self.temperature,
                self.seed_box.value(), self.length_box.value())
        epoch = self._epoch
        self.runner.start(lambda cancel: ask_models(*args, cancel=cancel, epoch=epoch), label="Answering")

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
            if state is None:
                view.setHtml("<span style='color:gray'>Press Ask.</span>")
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
