"""The status-bar strip that appears while a job runs: what it is, a progress bar, Cancel."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from engines.core.jobs import Log, Progress
from lab_app.jobs import QtJobRunner
from lab_app.widgets.calm_progress import CalmProgressBar


class JobBar(QWidget):
    """Follows every runner added with :meth:`watch`; shows the most recently started one.

    ``notice(text)`` fires for a job's warning lines (e.g. "the GPU ran out of memory; carrying
    on on the CPU"), from every watched runner, so the window can show them whatever page runs the job.
    """

    notice = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = QLabel()
        self.bar = CalmProgressBar()  # jobs report up to 30 times a second; a repaint each time froze the window
        self.bar.setFixedWidth(180)
        self.bar.setTextVisible(True)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop the running job (Esc)")
        self.cancel_button.clicked.connect(self.cancel_current)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label)
        layout.addWidget(self.bar)
        layout.addWidget(self.cancel_button)
        self._active: list[QtJobRunner] = []
        self.setVisible(False)

    @property
    def current(self) -> QtJobRunner | None:
        return self._active[-1] if self._active else None

    def watch(self, runner: QtJobRunner) -> None:
        runner.log.connect(self._on_log)  # warnings from every runner, shown in the strip or not
        if not runner.show_in_status_bar:
            return
        runner.started.connect(lambda label, r=runner: self._on_started(r, label))
        runner.running_changed.connect(lambda running, r=runner: None if running else self._on_stopped(r))
        runner.progress.connect(lambda p, r=runner: self._on_progress(r, p))

    def cancel_current(self) -> None:
        runner = self.current
        if runner is not None:
            self.label.setText(f"Cancelling {runner.label}…")
            runner.cancel()

    def _on_started(self, runner: QtJobRunner, label: str) -> None:
        if runner in self._active:
            self._active.remove(runner)
        self._active.append(runner)
        self.label.setText(label)
        self.bar.setRange(0, 0)  # busy until the first progress arrives
        self.setVisible(True)

    def _on_stopped(self, runner: QtJobRunner) -> None:
        if runner in self._active:
            self._active.remove(runner)
        if self.current is None:
            self.setVisible(False)
        else:
            self.label.setText(self.current.label)

    def _on_log(self, line: object) -> None:
        if isinstance(line, Log) and line.level in ("warning", "error"):
            self.notice.emit(line.text)

    def _on_progress(self, runner: QtJobRunner, progress: Progress) -> None:
        if runner is not self.current:
            return
        if progress.total:
            self.bar.setRange(0, progress.total)
            self.bar.setValue(min(progress.step, progress.total))
        else:
            self.bar.setRange(0, 0)
        metrics = "  ".join(f"{plain_metric_name(k)} {_number(v)}" for k, v in list(progress.metrics.items())[:3]
                            if k not in HIDDEN_METRICS)
        text = "  ·  ".join(t for t in (runner.label, progress.message, metrics) if t)
        self.label.setText(text)


# Metric keys as jobs report them → words for the status bar (others: "_per_s" → "/s", "_" → " ").
METRIC_NAMES = {"lr": "learning rate", "val_loss": "validation loss", "test_mse": "test error", "kl": "KL",
                "elapsed_s": "seconds", "t": "noise step t", "word_accuracy": "words right"}
HIDDEN_METRICS = {"phase", "total", "step"}  # bookkeeping for the page, not news for the user


def plain_metric_name(key: str) -> str:
    """"tokens_per_s" → "tokens/s", "val_loss" → "validation loss": no raw keys in the status bar."""
    return METRIC_NAMES.get(key) or key.replace("_per_s", "/s").replace("_", " ")


def _number(value: float) -> str:
    """Counts as whole numbers (epoch 1650, not 1.65e+03), other values to 3 significant digits."""
    value = float(value)
    if value.is_integer() and abs(value) < 1e9:
        return str(int(value))
    return f"{value:.3g}"
