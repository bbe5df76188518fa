"""Page "Under the hood": milliseconds per token for each runtime, with and without the KV cache."""

from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import (QComboBox, QFormLayout, QHeaderView, QLabel, QPushButton, QSpinBox, QTableWidget,
                               QTableWidgetItem, QVBoxLayout, QHBoxLayout, QWidget)

from engines.core.device import torch_available
from engines.core.jobs import CancelToken, Frame, Progress
from lab_app.plotting import pg, themed
from lab_app.tabs.llm.common import NO_MODEL_TEXT, ModelPicker, device_for, open_cached
from lab_app.tabs.page import LabPage
from lab_app.widgets.placeholder import Placeholder
from lab_app.widgets.wrapping_field import WrappingField

NO_GPT2_IN_LITE = ("Needs PyTorch, which this build leaves out: an imported GPT-2 is turned into an ONNX model "
                   "with it, once. The full build has it.")
COLOURS = ("#2e86de", "#e67e22", "#20c997", "#be4bdb", "#868e96", "#fab005")
SMOOTH = 7  # tokens in the running median that hides one-off spikes (the OS, the other programs)
REPEATS = 2  # timed passes per engine; each step keeps its fastest time (noise only ever adds time)
DEFAULT_TOKENS = 120  # long enough that re-reading the text without a cache visibly costs more each step
PROMPT = "my dog's name is ben. ben likes to play fetch."
IDLE_TEXT = ("Press <b>Run the race</b>: each engine writes the same {n} tokens, with and without the KV cache, "
             "and the table and curves show how long every new token took.")

EXPLAINER = """
<p>The same model and the same prompt, run by different engines. <b>PyTorch</b> is the library the model was
trained with; <b>ONNX Runtime</b> runs an exported copy of the same weights and is built only for running,
which often makes small models faster. A GPU, when there is one, does the many multiplications in parallel.
The <b>KV cache</b> is the big trick of generation: without it, every new token re-reads the whole text
so far, so each step gets slower as the text grows; with it, the model keeps each earlier token's keys and
values (the lists attention compares and blends, see the Attention page) and only computes the one new token.
The curves show time per step as the
text grows; the cache grows by one position per token. On a tiny model the gap is small and timings are
noisy, since fixed overheads dominate; it widens as the model and the text get bigger.</p>
<p><b>int8</b> is a copy of the same weights rounded to whole numbers from −128 to 127 (one byte each instead of
four), with a scale per column. On a big model such as GPT-2, each token mostly waits for weights to arrive from
memory, so reading a quarter of the bytes makes it faster. The answers change slightly: the line under
“ONNX precision” says how often int8 still picks the same next token as the exact copy.</p>
"""


PRECISION_TIP = ("Which copy of the weights ONNX Runtime uses on every page. fp32: the numbers as trained, 4 bytes "
                 "each. int8: each weight of the big matrices rounded to one of 256 steps (1 byte), so every new "
                 "token reads about a quarter of the bytes; the answers change slightly. By default int8 is used where its check passed.")


def precision_text(report: dict | None) -> str:
    """One sentence on the int8 check: how often int8 picks the same next token as fp32, and the KL divergence."""
    if not report:
        return ("No int8 copy yet: it is made (and checked against fp32) when the model is added, or the first "
                "time int8 runs.")
    verdict = "Passed" if report.get("passed") else "Not passed"
    return (f"int8 check on {report['tokens']} tokens of Moby-Dick: same top guess as fp32 "
            f"{report['top1_agreement']:.0%} of the time, KL divergence {report['mean_kl']:.4f}. {verdict}: int8 "
            f"is the default only with at least {report['min_top1']:.0%} and a KL divergence of at most "
            f"{report['max_kl']}.")


def engines_to_try(device: str) -> list[tuple[str, str, str]]:
    """(label, backend, device) for each engine worth timing on this machine (PyTorch only where installed)."""
    from engines.core.device import torch_available

    if not torch_available():  # the lite build ships ONNX Runtime alone
        return [("ONNX Runtime CPU", "onnx-fp32", "cpu")]
    out = [("PyTorch CPU", "torch", "cpu"), ("ONNX Runtime CPU fp32", "onnx-fp32", "cpu"),
           ("ONNX Runtime CPU int8", "onnx-int8", "cpu")]
    if device.startswith("cuda"):
        out.append(("PyTorch GPU", "torch", device))
    return out


def benchmark(name: str, device: str, threads: int, prompt: str, n_tokens: int, cancel: CancelToken):
    """A job: greedy generation of ``n_tokens`` with each engine, with and without the cache.

    Yields a Frame after each run with all results so far: ``{label: {"ms": [per step], "cache": [length]}}``.
    """
    from engines.llm.generate import generate

    runs = [(f"{label}, {'cache' if cache else 'no cache'}", backend, dev, cache)
            for label, backend, dev in engines_to_try(device) for cache in (True, False)]
    results: dict[str, dict] = {}
    for i, (label, backend, dev, cache) in enumerate(runs):
        cancel.raise_if_cancelled()
        yield Progress(i, len(runs), {}, f"timing {label}")
        if backend == "onnx-int8":
            yield Progress(i, len(runs), {}, f"timing {label} (the int8 copy is made first if missing)")
        runner, tokenizer, _ = open_cached(name, backend, dev, threads)
        n = min(n_tokens, max(1, int(runner.config.block_size) - len(tokenizer.encode(prompt)) - 1))
        passes = []
        for warm in (True,) + (False,) * REPEATS:  # the first pass warms up (allocations, kernels)
            ms, lengths = [], []
            job = generate(runner, tokenizer, prompt, max_new_tokens=2 if warm else n, temperature=0.0,
                           cancel=cancel, use_cache=cache)
            for event in job:
                if isinstance(event, Frame):
                    ms.append(event.payload["step_ms"])
                    lengths.append(event.payload["cache_length"])
            if not warm:
                passes.append(ms)
        fastest = np.min(np.array([p[:len(lengths)] for p in passes]), axis=0).tolist()
        results[label] = {"ms": fastest, "cache": lengths, "backend": backend, "cached": cache,
                          "weights_mb": weights_mb(runner)}
        yield Frame({"results": dict(results)})
    yield Progress(len(runs), len(runs), {}, "done")
    return results


class HoodPage(LabPage):
    def __init__(self, ctx, spec, parent: QWidget | None = None) -> None:
        super().__init__(ctx, spec, parent)
        self.results: dict | None = None
        ctx.device_changed.connect(self._show_device)
        self.runner = self.new_runner("benchmark")
        self.runner.frame.connect(lambda frame: self._show(frame.payload["results"]))
        self.runner.finished.connect(self._on_finished)
        self.runner.running_changed.connect(lambda running: self.run_button.setEnabled(not running))

        form = QFormLayout()
        self.picker = ModelPicker()
        self.picker.model_changed.connect(self._show_precision)
        self.prompt_edit = WrappingField(PROMPT)  # the whole prompt shows, on as many lines as it needs
        self.tokens_box = QSpinBox()
        self.tokens_box.setRange(4, 1000)
        self.tokens_box.setValue(DEFAULT_TOKENS)
        form.addRow("Model", self.picker)
        form.addRow("Prompt", self.prompt_edit)
        form.addRow("Tokens", self.tokens_box)
        self.precision_box = QComboBox()
        self.precision_box.addItem("int8 (smaller, faster)", "int8")
        self.precision_box.addItem("fp32 (exact)", "fp32")
        self.precision_box.setToolTip(PRECISION_TIP)
        self.precision_box.activated.connect(self._choose_precision)
        form.addRow("ONNX precision", self.precision_box)
        self.controls.addLayout(form)
        self.precision_label = QLabel("")
        self.precision_label.setWordWrap(True)
        self.controls.addWidget(self.precision_label)
        self.run_button = QPushButton("Run the race")
        self.run_button.clicked.connect(self.run)
        self.gpt2_button = QPushButton("Get GPT-2…")
        self.gpt2_button.setToolTip("Download GPT-2 (OpenAI's small model, 124 million parameters) or DistilGPT-2 "
                                    "(Hugging Face's smaller copy of it, 82 million) from Hugging Face, about "
                                    "350–550 MB, once, only when you ask; or open a GPT-2 folder. It then appears "
                                    "in every model list, so you can race a real model.")
        self.gpt2_button.clicked.connect(self.open_gpt2_dialog)
        if not torch_available():  # the lite build: a download could not be turned into an ONNX model here
            self.gpt2_button.setEnabled(False)
            self.gpt2_button.setToolTip(NO_GPT2_IN_LITE)
        self.gpt2_dialog = None
        buttons = QHBoxLayout()
        buttons.addWidget(self.run_button)
        buttons.addWidget(self.gpt2_button)
        self.controls.addLayout(buttons)
        self.device_label = QLabel("")
        self.device_label.setWordWrap(True)
        self.controls.addWidget(self.device_label)

        g = pg()
        host = QWidget()
        layout = QVBoxLayout(host)
        layout.setContentsMargins(0, 0, 0, 0)
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(["engine", "ms per token", "tokens per second", "weights in memory"])
        # the engine names take the room the numbers leave: "ONNX Runtime CPU int8, no cache" was cut in two
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setVisible(False)
        # one line of text per row: the six CPU rows fit without a scroll bar (30-px rows hid the last one)
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 8)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setMaximumHeight(190)
        plots = QHBoxLayout()
        self.step_plot = themed(g.PlotWidget(title="Time for each new token (smoothed)"))
        self.step_plot.setToolTip(f"Each step's time is the faster of {REPEATS} runs, and each point the median of "
                                  f"{SMOOTH} neighbouring tokens, so one-off hiccups of the computer do not show. "
                                  "Solid lines: with the KV cache; dashed: without.")
        self.step_plot.setLabel("bottom", "token number")
        self.step_plot.setLabel("left", "ms")
        self.step_plot.showGrid(x=True, y=True, alpha=0.2)
        # no legend over the curves: the table's engine names carry each curve's colour and line style
        self.cache_plot = themed(g.PlotWidget(title="Positions held in the KV cache"))
        self.cache_plot.setLabel("bottom", "token number")
        self.cache_plot.setLabel("left", "cached positions")
        self.cache_plot.showGrid(x=True, y=True, alpha=0.2)
        plots.addWidget(self.step_plot, 3)
        plots.addWidget(self.cache_plot, 2)
        layout.addWidget(self.table)
        layout.addLayout(plots, 1)
        self.set_picture(host)
        self.placeholder = Placeholder(host, IDLE_TEXT.format(n=DEFAULT_TOKENS))
        self.tokens_box.valueChanged.connect(self._idle_text)
        self.set_explainer(EXPLAINER)

    def showEvent(self, event) -> None:  # noqa: N802
        self.picker.refresh()
        self._show_precision()
        self._show_device()  # no race on first view: it keeps the CPU busy for seconds; it starts when asked
        super().showEvent(event)

    def _show_precision(self, *_args) -> None:
        """The precision chosen for the picked model, and what the int8 quality check found."""
        from engines.llm.gpt2_int8 import chosen_precision, export_paths, read_report
        from engines.llm.model_store import resolve_model

        name = self.picker.current_name()
        if name is None:
            return
        folder = resolve_model(name)
        self.precision_box.setCurrentIndex(self.precision_box.findData(chosen_precision(folder)))
        report = read_report(export_paths(folder)[1])
        self.precision_label.setText(precision_text(report))

    def _choose_precision(self, _index: int) -> None:
        from engines.llm.gpt2_int8 import choose_precision
        from engines.llm.model_store import resolve_model

        name = self.picker.current_name()
        if name is not None:
            choose_precision(resolve_model(name), self.precision_box.currentData())
            self._show_precision()

    def _idle_text(self, n: int) -> None:
        if self.results is None and not self.runner.is_running():
            self.placeholder.show_text(IDLE_TEXT.format(n=n))

    def open_gpt2_dialog(self) -> None:
        from lab_app.tabs.llm.gpt2_download import GPT2Dialog

        if self.gpt2_dialog is None:
            self.gpt2_dialog = GPT2Dialog(self.ctx, self)
            self.gpt2_dialog.model_added.connect(self._on_model_added)
        self.gpt2_dialog.open()

    def _on_model_added(self, folder: str) -> None:
        from pathlib import Path

        self.picker.select(Path(folder).name)

    def _show_device(self, *_args) -> None:
        device = device_for(self.ctx)
        gpu = "a GPU is available and is timed too" if device.startswith("cuda") else "no CUDA GPU here: CPU only"
        self.device_label.setText(f"Device: {self.ctx.device.name if self.ctx.device else 'checking…'} — {gpu}. "
                                  f"CPU threads: {self.ctx.current.threads or 'auto'}.")

    def run(self) -> None:
        name = self.picker.current_name()
        if name is None:
            self.device_label.setText(NO_MODEL_TEXT)
            return
        args = (name, device_for(self.ctx), self.ctx.current.threads, self.prompt_edit.text() or "the",
                self.tokens_box.value())
        self.step_plot.clear()
        self.cache_plot.clear()
        self.placeholder.show_text("Timing the first engine… its row and curve appear when it is done.")
        self.runner.start(lambda cancel: benchmark(*args, cancel=cancel), label="Timing engines")

    def _on_finished(self, results: dict) -> None:
        self.results = results
        self._show(results)
        self._show_precision()  # the race's first int8 run made (and checked) the int8 copy: say what it found

    def _show(self, results: dict) -> None:
        g = pg()
        self.placeholder.clear()
        self.table.setRowCount(len(results))
        self.step_plot.clear()
        self.cache_plot.clear()
        for r, (label, data) in enumerate(results.items()):
            later = data["ms"][1:] or data["ms"]  # the first step reads the whole prompt in both modes
            ms = float(np.median(later))
            line = "━━" if data["cached"] else "╍╍"
            for c, value in enumerate((f"{line} {label}", f"{ms:.2f}", f"{1000.0 / max(ms, 1e-6):,.0f}",
                                       f"{data.get('weights_mb', 0):,.0f} MB")):
                self.table.setItem(r, c, QTableWidgetItem(value))
            self.table.item(r, 0).setForeground(g.mkColor(COLOURS[r % len(COLOURS)]))
            colour = COLOURS[r % len(COLOURS)]
            style = g.QtCore.Qt.PenStyle.SolidLine if data["cached"] else g.QtCore.Qt.PenStyle.DashLine
            x = np.arange(1, len(data["ms"]) + 1)
            # from the second token on: the first step reads the whole prompt and would dwarf the rest
            self.step_plot.plot(x[1:], running_median(data["ms"][1:], SMOOTH),
                                pen=g.mkPen(colour, width=2, style=style), name=label)
            if data["cached"]:
                self.cache_plot.plot(x, data["cache"], pen=g.mkPen(colour, width=2), name=label)


def weights_mb(runner) -> float:
    """Megabytes of weights the runner holds (and reads for every token): the ONNX file, or torch's tensors."""
    path = getattr(runner, "path", None)
    if path is not None:
        return path.stat().st_size / 1e6
    return sum(t.numel() * t.element_size() for t in runner.model.state_dict().values()) / 1e6


def running_median(values, window: int) -> np.ndarray:
    """Each value replaced by the median of the ``window`` values centred on it (fewer at the ends)."""
    values = np.asarray(values, dtype=float)
    half = window // 2
    return np.array([np.median(values[max(0, i - half):i + half + 1]) for i in range(len(values))])
