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
from lab_app.widgets.plot_legend import legend_below

COLOURS = ("#9b59b6", "#2e86de", "#16a085", "#e67e22")
LIVE_COLOUR = "#c0392b"
RIGHT, WRONG = QColor(46, 160, 67, 70), QColor(220, 53, 69, 60)

EXPLAINER = """
<p>These are the same GPT at four sizes, from {small} to {large} parameters. Each one read the same
story-world text ({tokens} tokens) with the same seed and settings; only the width and the number of layers
change. The bigger the model, the lower the validation loss. The dashed line is the fitted law
loss ≈ {floor:.2f} + a · N<sup>−{alpha:.2f}</sup>. The {floor:.2f} is a floor that no size gets below: the
stories pick names and places at random, and no model can guess those. Above the floor, the loss falls as a
power law: a straight line on log axes. Compute is counted as FLOPs ≈ 6 × parameters × tokens; on the right,
each run's loss falls as its compute grows, and the bigger models end lower.</p>
<p>The table is the skill test: to say "fetch" or "soccer" after "… ben likes to play", the model has to look
back past the name to the word that says what Ben is. {skill_line} These are the models' real top guesses,
recorded when they were trained.</p>
<p>None of these ideas are new: neurons are from the 1950s, backpropagation from the 1980s, attention from
2014–2017. What changed is scale: far more text and far more compute, and the loss keeps falling as both
grow. Real models are millions of times larger than these, but the pattern is the same.</p>
"""


def _fmt(n: float) -> str:
    return f"{n / 1e6:.1f} million" if n >= 1e6 else f"{n / 1e3:.0f} thousand" if n >= 1e3 else f"{n:.0f}"


def skill_line(runs: list[dict]) -> str:
    """One sentence with the count of right answers per size (from the shipped runs)."""
    total = len(scale.SKILL_PROMPTS)
    parts = [f"{r['size']} {sum(x['top'] == x['expected'] for x in r['skill'])}/{total}" for r in runs]
    return "Right answers: " + ", ".join(parts) + "."


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
            self.set_explainer(EXPLAINER.format(small=_fmt(self.runs[0]["parameters"]),
                                                large=_fmt(self.runs[-1]["parameters"]),
                                                tokens=f"{self.runs[0]['tokens']:,}", alpha=fit.alpha, floor=fit.floor,
                                                skill_line=html.escape(skill_line(self.runs))))
        else:
            self.set_explainer("<p>The recorded runs are missing (assets/llm/scale/runs.json).</p>")

    def _build_controls(self) -> None:
        sizes = ", ".join(f"{r['size']} {_fmt(r['parameters'])}" for r in self.runs)
        intro = QLabel(f"Four sizes of one GPT: {sizes} parameters. Same text, same seed, same number of tokens.")
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
        self.params_plot = themed(g.PlotWidget(title="Validation loss vs parameters (log–log)"))
        self.params_plot.setObjectName("scalePlotParameters")
        self.flops_plot = themed(g.PlotWidget(title="Validation loss vs compute (FLOPs, log–log)"))
        self.flops_plot.setObjectName("scalePlotCompute")
        for plot, x_label in ((self.params_plot, "parameters"), (self.flops_plot, "training FLOPs ≈ 6·N·D")):
            plot.setLogMode(x=True, y=True)
            plot.showGrid(x=True, y=True, alpha=0.25)
            plot.setLabel("bottom", x_label)
            plot.setLabel("left", "validation loss")
            plot.setToolTip(f"Validation loss (lower is better) against {x_label}, both on log axes")
            plots.addWidget(plot, 1)
        layout.addLayout(plots, 3)
        self.table = QTableWidget()
        self.table.setObjectName("scaleSkillTable")
        self.table.setToolTip("Each model's top next word for prompts that need a look back; green = right")
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        layout.addWidget(QLabel("<b>The look-back skill: each size's top next word</b>"))
        layout.addWidget(self.table, 2)
        self.set_picture(host)

    def _draw_shipped(self) -> None:
        g = pg()
        if not self.runs:
            return
        params = np.array([r["parameters"] for r in self.runs], dtype=float)
        flops = np.array([r["flops"] for r in self.runs], dtype=float)
        loss = np.array([r["val_loss"] for r in self.runs], dtype=float)
        for i, run in enumerate(self.runs):
            colour = COLOURS[i % len(COLOURS)]
            self.params_plot.plot([params[i]], [loss[i]], pen=None, symbol="o", symbolSize=11, symbolBrush=colour,
                                  name=f"{run['size']} ({_fmt(run['parameters'])})")
            curve = [p for p in run.get("curve", []) if p["val_loss"] > 0]
            if curve:
                self.flops_plot.plot([p["flops"] for p in curve], [p["val_loss"] for p in curve],
                                     pen=g.mkPen(colour, width=2), name=run["size"])
        if len(self.runs) >= 2:
            for plot, x in ((self.params_plot, params), (self.flops_plot, flops)):
                fit = scale.fit_power_law(x, loss)
                xs = np.geomspace(x.min() / 1.5, x.max() * 1.5, 50)
                plot.plot(xs, fit(xs), pen=g.mkPen("#888888", width=2, style=g.QtCore.Qt.PenStyle.DashLine),
                          name=f"fit: {fit.floor:.2f} + a·x^−{fit.alpha:.2f}")
        self.live_item = self.flops_plot.plot([], [], pen=g.mkPen(LIVE_COLOUR, width=3), name="XS, yours")
        legend_below(self.params_plot)
        legend_below(self.flops_plot)
        self._fill_table()

    def _fill_table(self) -> None:
        runs = list(self.runs)
        if self.live_result is not None:
            runs.append({**self.live_result, "size": "XS (yours)"})
        prompts = scale.SKILL_PROMPTS
        self.table.setColumnCount(2 + len(runs))
        self.table.setRowCount(len(prompts))
        self.table.setHorizontalHeaderLabels(["Prompt", "Right"] + [r["size"] for r in runs])
        for row, (prompt, expected) in enumerate(prompts):
            self.table.setItem(row, 0, QTableWidgetItem("… " + prompt.split(". ", 1)[0] + ". … " +
                                                        " ".join(prompt.split()[-4:])))
            self.table.item(row, 0).setToolTip(prompt)
            self.table.setItem(row, 1, QTableWidgetItem(expected))
            for col, run in enumerate(runs, start=2):
                cell = next((x for x in run.get("skill", []) if x["prompt"] == prompt), None)
                item = QTableWidgetItem("—" if cell is None else f"{cell['top']} ({cell['top_prob']:.2f})")
                if cell is not None:
                    item.setBackground(RIGHT if cell["top"] == expected else WRONG)
                    item.setToolTip(f"P({expected}) = {cell['right_prob']:.2f}")
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
        if "val_loss" in m and "flops" in m and progress.step % scale.RECIPE["eval_interval"] == 0:
            point = (m["flops"], m["val_loss"])
            if not self.live_curve_points or self.live_curve_points[-1] != point:
                self.live_curve_points.append(point)
                self.live_item.setData(*zip(*self.live_curve_points))
        self.status_label.setText(f"Step {progress.step} of {progress.total} · loss {m.get('loss', 0):.3f}")

    def _on_finished(self, result: dict) -> None:
        self.live_result = result
        shipped = next((r["val_loss"] for r in self.runs if r["size"] == "XS"), None)
        self.status_label.setText(f"Done in {result['wall_time_s']:.0f} s: validation loss {result['val_loss']:.3f}"
                                  + (f" (shipped run: {shipped:.3f})" if shipped is not None else "") + ".")
        self._fill_table()
