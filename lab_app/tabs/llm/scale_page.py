"""Page "Why now: scale": the same GPT at four sizes on the same text — loss against size and compute, on log
axes with the fitted power law, and a skill that only the bigger ones have. The smallest can be retrained live.
"""

from __future__ import annotations

import html

import numpy as np
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (QHBoxLayout, QHeaderView, QLabel, QPushButton, QTableWidget, QTableWidgetItem,
                               QVBoxLayout, QWidget)

from engines.llm import scale
from lab_app.plotting import pg, themed
from lab_app.tabs.page import LabPage
from lab_app.widgets.log_axis import spaced_log_axis
from lab_app.widgets.scene_flat import PlotLabels, labelled_plot_class

COLOURS = ("#9b59b6", "#2e86de", "#16a085", "#e67e22")
LIVE_COLOUR = "#c0392b"
RIGHT, GUESS, WRONG = QColor(46, 160, 67, 70), QColor(245, 158, 11, 60), QColor(220, 53, 69, 60)
SURE = 0.7  # a right top guess below this probability is coloured as a guess

EXPLAINER = """
<p>One GPT at four sizes, from {small} to {large} parameters, each trained on the same story-world text
({tokens} tokens) with the same seed and settings. Validation loss is how wrong a model is on text it never
trained on (lower is better): bigger models reach a lower one. The dashed curve is the best fit: loss falls
steadily with size, but never below a floor of about {floor:.2f} (loss ≈ {floor:.2f} + a · N<sup>−{alpha:.2f}</sup>,
N = parameters), because the stories pick names and places at random. Four points show the shape, not an exact
law. The right plot counts compute in FLOPs, the additions and multiplications of training: about 6 per
parameter for every token read. L read only {tokens_per_param:.0f} tokens per parameter; scaling studies find
about 20 works best: data must grow with the model.</p>
<p>The table tests a skill: to say "fetch" or "soccer" after "… ben likes to play", the model must look back
past the name to the word that says what Ben is. The cells are real guesses, recorded in training.
{skill_line} {miss_line}{story_line}</p>
<p>The biggest model on this page has about half a million parameters. The smallest GPT-2 (2019) had 124 million;
today's big chat models have hundreds of billions and read trillions of tokens. The ideas are old: neurons from
the 1950s, backpropagation (roots in the 1970s, widely used since 1986), attention from 2014–2017. What changed
is scale: far more text (the web) and far more compute (GPUs).</p>
"""


def _fmt(n: float) -> str:
    return f"{n / 1e6:.1f} million" if n >= 1e6 else f"{n / 1e3:.0f} thousand" if n >= 1e3 else f"{n:.0f}"


def skill_line(runs: list[dict]) -> str:
    """The average probability of the right word on the varied prompts, per size (from the shipped runs)."""
    parts = [f"{r['size']} {r['variants']['overall']['mean_prob']:.2f}" for r in runs if "variants" in r]
    if not parts:
        return ""
    n = runs[-1]["variants"]["overall"]["n"]
    return (f"On {n} varied prompts of this kind, the average probability of the right word is "
            + ", ".join(parts) + ". Around 0.5 is guessing: the small models cannot tell a dog from a brother. "
            "They split their bet between fetch and soccer whatever the story says and keep a little for other "
            "words, so the right word gets a bit under 0.5." + _same_word(runs[0]))


def _same_word(run: dict) -> str:
    """' XS says soccer in 5 of the 6 rows …' when the smallest model mostly gives one top word in the table."""
    tops = [cell["top"] for cell in run.get("skill", [])]
    word = max(set(tops), key=tops.count) if tops else ""
    if not tops or tops.count(word) * 3 < len(tops) * 2:
        return ""
    return (f" {run['size']} says “{word}” in {tops.count(word)} of the {len(tops)} rows below, so it is right only "
            "when that word happens to be right.")


def miss_line(runs: list[dict]) -> str:
    """'Even L gets the last row wrong …' when the largest model misses the two-character prompt at the end."""
    last = runs[-1].get("skill", []) if runs else []
    if not last or last[-1]["top"] == last[-1]["expected"]:
        return ""
    return (f"Even {runs[-1]['size']} gets the last row wrong: with a dog and a brother in one story it takes the "
            "other one's game. ")


def story_line() -> str:
    """How the story-gpt of the other pages compares (its size from its folder; '' when it is not installed)."""
    from engines.llm.model_store import ModelNotFound, describe_model, resolve_model

    try:
        info = describe_model(resolve_model("story-gpt"), "shipped") or {}
    except (ModelNotFound, OSError):
        return ""
    if not info.get("parameters"):
        return ""
    return (f"story-gpt, the model on the other pages, is the same design with {_fmt(info['parameters'])} "
            "parameters, trained much longer (over 40 million tokens read, with extra two-character stories); "
            "that is why it is surer than L.")


class ScalePage(LabPage):
    def __init__(self, ctx, spec, parent: QWidget | None = None) -> None:
        super().__init__(ctx, spec, parent)
        self.runs = scale.load_runs()
        self.live_curve_points: list[tuple[float, float]] = []
        self.live_result: dict | None = None
        self.runner = self.new_runner("rerun the smallest GPT")
        self.runner.progress.connect(self._on_progress)
        self.runner.finished.connect(self._on_finished)
        self.runner.failed.connect(lambda failure: self.status_label.setText(f"Stopped: {failure.message}"))
        self.runner.cancelled.connect(lambda: self.status_label.setText("Cancelled."))
        self.runner.running_changed.connect(self._on_running)
        self._build_controls()
        self._build_picture()
        self._draw_shipped()
        if len(self.runs) >= 2:
            fit = scale.fit_power_law([r["parameters"] for r in self.runs], [r["val_loss"] for r in self.runs])
            largest = self.runs[-1]
            self.set_explainer(EXPLAINER.format(small=_fmt(self.runs[0]["parameters"]),
                                                large=_fmt(largest["parameters"]),
                                                tokens=f"{largest['tokens']:,}", alpha=fit.alpha, floor=fit.floor,
                                                tokens_per_param=largest["tokens"] / largest["parameters"],
                                                skill_line=html.escape(skill_line(self.runs)),
                                                miss_line=html.escape(miss_line(self.runs)),
                                                story_line=html.escape(story_line())))
        else:
            self.set_explainer("<p>The recorded runs are missing (assets/llm/scale/runs.json).</p>")

    def _build_controls(self) -> None:
        sizes = ", ".join(f"{r['size']} {_fmt(r['parameters'])}" for r in self.runs)
        minutes = ", ".join(f"{r['size']} {r['wall_time_s'] / 60:.0f}" for r in self.runs)
        intro = QLabel(f"Four sizes of one GPT: {sizes} parameters. Same text, same seed, same number of tokens. "
                       f"Training took {minutes} minutes on one CPU thread.")
        intro.setWordWrap(True)
        self.controls.addWidget(intro)
        row = QHBoxLayout()
        self.rerun_button = QPushButton("Retrain the smallest here")
        self.rerun_button.setObjectName("scaleRerun")
        self.rerun_button.setToolTip("Train size XS again on this computer with the same recipe (about a minute)")
        self.rerun_button.clicked.connect(self.rerun_smallest)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("scaleCancel")
        self.cancel_button.setToolTip("Stop the training run")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.runner.cancel)
        row.addWidget(self.rerun_button)
        row.addWidget(self.cancel_button)
        self.controls.addLayout(row)
        self.status_label = QLabel("The shipped runs are shown. Retrain the smallest to see it is real.")
        self.status_label.setWordWrap(True)
        self.controls.addWidget(self.status_label)

    def _build_picture(self) -> None:
        g = pg()
        host = QWidget()
        layout = QVBoxLayout(host)
        layout.setContentsMargins(0, 0, 0, 0)
        plots = QHBoxLayout()
        # log axes that write only the numbers with room (1, 0.9, 0.8, 0.7, 0.6 ran into each other)
        self.params_plot = themed(labelled_plot_class()(title="Loss vs parameters",
                                                        axisItems={"left": spaced_log_axis("left")}))
        self.params_plot.setObjectName("scalePlotParameters")
        self.flops_plot = themed(labelled_plot_class()(title="Loss vs compute while training",
                                                       axisItems={"left": spaced_log_axis("left"),
                                                                  "bottom": spaced_log_axis("bottom")}))
        self.flops_plot.setObjectName("scalePlotCompute")
        for plot, x_label in ((self.params_plot, "parameters"), (self.flops_plot, "FLOPs ≈ 6 × parameters × tokens")):
            plot.owner = PlotLabels()  # the size names, placed off the curves at every paint
            plot.setLogMode(x=True, y=True)
            plot.showGrid(x=True, y=True, alpha=0.25)
            plot.setLabel("bottom", x_label)
            plot.setLabel("left", "validation loss")
            plot.setToolTip(f"Validation loss (lower is better) against {x_label}, both on log axes")
            plots.addWidget(plot, 1)
        layout.addLayout(plots, 5)
        self.table = QTableWidget()
        self.table.setObjectName("scaleSkillTable")
        self.table.setToolTip("Each model's top next word and its probability; green = right and sure, "
                              "amber = right but a guess, red = wrong")
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.setWordWrap(True)  # the whole prompt, on two lines where it must
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        heading = QHBoxLayout()
        title = QLabel("<b>The look-back skill: each size's top next word</b> (its probability)")
        title.setWordWrap(True)  # it gives way to the legend on a narrow window
        heading.addWidget(title, 1)
        self.legend = []
        for colour, words in ((RIGHT, "right and sure"), (GUESS, f"right, but under {SURE:.1f}: a guess"),
                              (WRONG, "wrong")):
            swatch = QLabel(words)
            swatch.setStyleSheet(f"background: rgba({colour.red()}, {colour.green()}, {colour.blue()}, "
                                 f"{colour.alpha()}); padding: 1px 6px;")
            heading.addWidget(swatch)
            self.legend.append(swatch)
        layout.addLayout(heading)
        layout.addWidget(self.table, 4)
        self.set_picture(host)

    def _draw_shipped(self) -> None:
        g = pg()
        self.live_item = self.flops_plot.plot([], [], pen=g.mkPen(LIVE_COLOUR, width=3), name="XS, yours")
        self.flops_plot.owner.keep_off_item(self.live_item)  # the size names keep off a retrained curve too
        if not self.runs:
            return
        params = np.array([r["parameters"] for r in self.runs], dtype=float)
        flops = np.array([r["flops"] for r in self.runs], dtype=float)
        loss = np.array([r["val_loss"] for r in self.runs], dtype=float)
        for i, run in enumerate(self.runs):
            colour = COLOURS[i % len(COLOURS)]
            self.params_plot.plot([params[i]], [loss[i]], pen=None, symbol="o", symbolSize=11, symbolBrush=colour)
            self._label(self.params_plot, run["size"], params[i], loss[i], colour)
            curve = [p for p in run.get("curve", []) if p["val_loss"] > 0]
            if curve:
                self.flops_plot.plot([p["flops"] for p in curve], [p["val_loss"] for p in curve],
                                     pen=g.mkPen(colour, width=2))
                self.flops_plot.owner.keep_off(np.log10([p["flops"] for p in curve]),
                                               np.log10([p["val_loss"] for p in curve]))
                self._label(self.flops_plot, run["size"], curve[-1]["flops"], curve[-1]["val_loss"], colour)
        all_flops = [p["flops"] for r in self.runs for p in r.get("curve", [])] or list(flops)
        all_loss = [p["val_loss"] for r in self.runs for p in r.get("curve", [])] or list(loss)
        if len(self.runs) >= 2:
            for plot, x in ((self.params_plot, params), (self.flops_plot, flops)):
                fit = scale.fit_power_law(x, loss)
                xs = np.geomspace(x.min() / 1.5, x.max() * 1.5, 50)
                plot.plot(xs, fit(xs), pen=g.mkPen("#888888", width=2, style=g.QtCore.Qt.PenStyle.DashLine))
                plot.owner.keep_off(np.log10(xs), np.log10(fit(xs)))
        # Log axes take log10 ranges; set them from the data (autorange missed the later points).
        self.params_plot.setXRange(np.log10(params.min() / 2), np.log10(params.max() * 2), padding=0)
        # only the powers of ten, in words: the automatic in-between labels ran into each other
        self.params_plot.getAxis("bottom").setTicks([[(np.log10(v), _fmt(v)) for v in (1e3, 1e4, 1e5, 1e6)], []])
        self.params_plot.setYRange(np.log10(loss.min() * 0.9), np.log10(loss.max() * 1.15), padding=0)
        self.flops_plot.setXRange(np.log10(min(all_flops) / 1.5), np.log10(max(all_flops) * 2.5), padding=0)
        # room under the curve ends for their names (they come down onto the dashed fit from above)
        self.flops_plot.setYRange(np.log10(min(all_loss) * 0.75), np.log10(max(all_loss) * 1.1), padding=0)
        self._fill_table()

    @staticmethod
    def _label(plot, text: str, x: float, y: float, colour: str) -> None:
        # placed at every paint on a free spot beside the point, off the curves and the dashed fit: a fixed offset
        # sat on a line at one size or another ("S" on M's curve, "XS" on S's at 1920x1080)
        plot.owner.add(text, np.log10(x), np.log10(y), colour)  # log axes: the view's coordinates are log10

    def _fill_table(self) -> None:
        runs = list(self.runs)
        if self.live_result is not None:
            runs.append({**self.live_result, "size": "XS (yours)"})
        prompts = scale.SKILL_PROMPTS
        self.table.setColumnCount(2 + len(runs))
        self.table.setRowCount(len(prompts))
        self.table.setHorizontalHeaderLabels(["Prompt", "Right"] + [r["size"] for r in runs])
        for row, (prompt, expected) in enumerate(prompts):
            self.table.setItem(row, 0, QTableWidgetItem(prompt))
            self.table.item(row, 0).setToolTip(prompt)
            self.table.setItem(row, 1, QTableWidgetItem(expected))
            for col, run in enumerate(runs, start=2):
                cell = next((x for x in run.get("skill", []) if x["prompt"] == prompt), None)
                item = QTableWidgetItem("—" if cell is None else f"{cell['top']} ({cell['top_prob']:.2f})")
                if cell is not None:
                    right = cell["top"] == expected
                    item.setBackground(WRONG if not right else RIGHT if cell["right_prob"] >= SURE else GUESS)
                    item.setToolTip(f"probability of “{expected}”: {cell['right_prob']:.2f}"
                                    + ("" if not right or cell["right_prob"] >= SURE else " (right, but a guess)"))
                self.table.setItem(row, col, item)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for col in range(1, self.table.columnCount()):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)

    # -- the live rerun --------------------------------------------------------------------------
    def rerun_smallest(self) -> None:
        self.live_curve_points = []
        self.live_item.setData([], [])
        self.status_label.setText("Writing the story-world text and training size XS…")
        self.runner.start(lambda cancel: scale.train_size("XS", cancel=cancel), label="Training GPT size XS")

    def _on_running(self, running: bool) -> None:
        self.rerun_button.setEnabled(not running)
        self.cancel_button.setEnabled(running)

    def _on_progress(self, progress) -> None:
        m = progress.metrics or {}
        # Only the latest progress reaches the page, so draw each new validation loss as it comes (the finished
        # run's own curve replaces these points).
        if "val_loss" in m and "flops" in m:
            if not self.live_curve_points or self.live_curve_points[-1][1] != m["val_loss"]:
                self.live_curve_points.append((m["flops"], m["val_loss"]))
                self.live_item.setData(*zip(*self.live_curve_points))
        self.status_label.setText(f"Step {progress.step} of {progress.total} · loss {m.get('loss', 0):.3f}")

    def _on_finished(self, result: dict) -> None:
        self.live_result = result
        self.live_curve_points = [(p["flops"], p["val_loss"]) for p in result["curve"]]
        if self.live_curve_points:
            self.live_item.setData(*zip(*self.live_curve_points))
        shipped = next((r["val_loss"] for r in self.runs if r["size"] == "XS"), None)
        self.status_label.setText(f"Done in {result['wall_time_s']:.0f} s: validation loss {result['val_loss']:.3f}"
                                  + (f" (shipped run: {shipped:.3f})" if shipped is not None else "") + ".")
        self._fill_table()
