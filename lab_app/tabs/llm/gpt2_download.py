"""Dialog "Get GPT-2": download OpenAI's GPT-2 from Hugging Face (only when asked), or open a GPT-2 folder.

The view only: the jobs it runs (staging, checks, install in one rename, the ONNX fp32 and
int8 exports) live in :mod:`engines.llm.gpt2_install`, shared with
``python -m engines.llm download-gpt2``. The model ends up in ``<user models>/<name>``, so
every page's model picker lists it; a half-finished one never is.

``huggingface_hub`` cannot be interrupted mid-file, so Cancel closes the dialog at once and
the download finishes in the background, is then thrown away, and never becomes a model.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QButtonGroup, QDialog, QFileDialog, QHBoxLayout, QLabel, QProgressBar, QPushButton,
                               QRadioButton, QVBoxLayout, QWidget)

from engines.llm.gpt2_install import Gate, clean_stale_staging, download_job, import_job, target_for
from lab_app.jobs import JobFailure


@dataclass(frozen=True)
class Choice:
    name: str  # the Hugging Face repository id, also the folder name
    title: str
    parameters: str
    size: str
    note: str


# Sizes: model.safetensors on Hugging Face (distilgpt2 353 MB, gpt2 548 MB) plus a 1.4 MB tokenizer.
CHOICES = (
    Choice("distilgpt2", "DistilGPT-2", "82 million parameters", "about 350 MB",
           "a smaller, faster copy that Hugging Face trained to imitate GPT-2; Apache 2.0 licence"),
    Choice("gpt2", "GPT-2 (small)", "124 million parameters", "about 550 MB",
           "OpenAI's original 2019 model; modified MIT licence"),
)
CANCEL_TIP = ("Closes this window now. A download already under way cannot be interrupted: it finishes in the "
              "background and is then thrown away, so nothing half-finished is added to your models.")


# --- the dialog ---------------------------------------------------------------------------------

class GPT2Dialog(QDialog):
    """Choose distilgpt2 or gpt2 and download it, or open a GPT-2 folder; ``model_added(folder)`` on success."""

    model_added = Signal(str)

    def __init__(self, ctx, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle("Get GPT-2")
        self.setMinimumWidth(520)
        self.result_path: Path | None = None
        self.last_error: str | None = None
        self._runner = None
        self._gate: Gate | None = None
        self.ask_folder: Callable[[], str] = self._ask_folder  # tests replace this
        clean_stale_staging()

        title = QLabel("<b>Download GPT-2 from Hugging Face</b>")
        self.choice_group = QButtonGroup(self)
        self.choice_buttons: dict[str, QRadioButton] = {}
        choices = QVBoxLayout()
        choices.setSpacing(4)
        for i, choice in enumerate(CHOICES):
            button = QRadioButton(f"{choice.title}  ({choice.name}): {choice.parameters}, {choice.size}")
            button.setToolTip(choice.note[0].upper() + choice.note[1:] + ".")
            self.choice_group.addButton(button, i)
            self.choice_buttons[choice.name] = button
            choices.addWidget(button)
        self.choice_buttons[CHOICES[0].name].setChecked(True)
        self.choice_group.idToggled.connect(lambda _id, on: on and self._show_target())

        self.about_label = QLabel(
            "Downloaded from Hugging Face once, only when you press Download, and kept on this computer: "
            "afterwards it runs offline, like the models trained here, and appears in every model list. "
            "GPT-2 (small) is OpenAI's 2019 model, under a modified MIT licence. DistilGPT-2 is a smaller, "
            "faster copy that Hugging Face trained to imitate it, under the Apache 2.0 licence.")
        self.about_label.setWordWrap(True)
        self.target_label = QLabel()
        self.target_label.setWordWrap(True)
        self.target_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.busy_bar = QProgressBar()
        self.busy_bar.setRange(0, 0)  # indeterminate: huggingface_hub reports no progress we can show
        self.busy_bar.setTextVisible(False)
        self.busy_bar.setVisible(False)
        self.status_label = QLabel()
        self.status_label.setWordWrap(True)
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.open_button = QPushButton("Open a GPT-2 folder…")
        self.open_button.setToolTip("Use a GPT-2 folder already on disk (config.json, model.safetensors, "
                                    "tokenizer.json): it is checked and copied into your models folder.")
        self.open_button.clicked.connect(self.open_folder)
        self.download_button = QPushButton("Download")
        self.download_button.setDefault(True)
        self.download_button.clicked.connect(self.download)
        self.close_button = QPushButton("Close")
        self.close_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.open_button)
        buttons.addStretch(1)
        buttons.addWidget(self.download_button)
        buttons.addWidget(self.close_button)

        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addLayout(choices)
        layout.addWidget(self.about_label)
        layout.addWidget(self.target_label)
        layout.addWidget(self.busy_bar)
        layout.addWidget(self.status_label)
        layout.addStretch(1)
        layout.addLayout(buttons)
        self._show_target()

    def showEvent(self, event) -> None:  # noqa: N802 - reopened: show the current state, not an old message
        if not self.is_busy():
            self._show_target()
        super().showEvent(event)

    # -- state ----------------------------------------------------------------------------------
    def chosen(self) -> Choice:
        return CHOICES[max(0, self.choice_group.checkedId())]

    def select(self, name: str) -> None:
        self.choice_buttons[name].setChecked(True)

    def is_busy(self) -> bool:
        return self._gate is not None

    def _show_target(self) -> None:
        from engines.llm.model_store import describe_model

        target = target_for(self.chosen().name)
        self.target_label.setText(f"Saved in: {target}")
        if self.is_busy():
            return
        have = target.is_dir() and describe_model(target, "user") is not None
        self.download_button.setText("Download again" if have else "Download")
        self.download_button.setToolTip(
            f"{target.name} is already downloaded; downloading again replaces it." if have else
            f"Download {self.chosen().name} ({self.chosen().size}) from Hugging Face; this can take a few minutes.")
        self._set_status("Already downloaded: it is in every model list." if have else "")

    def _set_status(self, text: str, error: bool = False) -> None:
        self.status_label.setStyleSheet("color: #c92a2a;" if error else "")
        self.status_label.setText(text)

    def _set_busy(self, busy: bool) -> None:
        self.busy_bar.setRange(0, 0)  # indeterminate while downloading: huggingface_hub reports no progress to show
        self.busy_bar.setVisible(busy)
        for widget in (self.download_button, self.open_button, *self.choice_buttons.values()):
            widget.setEnabled(not busy)
        self.close_button.setText("Cancel" if busy else "Close")
        self.close_button.setToolTip(CANCEL_TIP if busy else "")

    # -- actions --------------------------------------------------------------------------------
    def download(self) -> None:
        choice = self.chosen()
        target = target_for(choice.name)
        self._start(lambda cancel, gate: download_job(choice.name, target, cancel, gate),
                    f"Downloading {choice.name}",
                    f"Downloading {choice.name} ({choice.size}) from Hugging Face… this can take a few minutes.")

    def open_folder(self) -> None:
        path = self.ask_folder()
        if not path:
            return
        source = Path(path)
        self._start(lambda cancel, gate: import_job(source, cancel, gate), f"Adding {source.name}",
                    f"Checking and copying {source}…")

    def _ask_folder(self) -> str:
        return QFileDialog.getExistingDirectory(self, "Open a GPT-2 folder", str(Path.home()))

    def _start(self, make_job, label: str, message: str) -> None:
        gate = Gate()
        self._gate = gate
        # a runner per job: after Cancel it may run on in the background while a new one starts at once
        runner = self.ctx.new_runner("gpt2-download", show_in_status_bar=False, report_errors=False)
        runner.finished.connect(self._on_finished)
        runner.failed.connect(self._on_failed)
        runner.cancelled.connect(self._on_cancelled)
        runner.progress.connect(self._on_progress)
        self._runner = runner
        self.last_error = None
        self._set_busy(True)
        self._set_status(message)
        runner.start(lambda cancel: make_job(cancel, gate), label=label)

    def _detach(self) -> None:
        runner, self._runner, self._gate = self._runner, None, None
        if runner is not None:
            for signal, slot in ((runner.finished, self._on_finished), (runner.failed, self._on_failed),
                                 (runner.cancelled, self._on_cancelled), (runner.progress, self._on_progress)):
                try:
                    signal.disconnect(slot)
                except (RuntimeError, TypeError):
                    pass
        self._set_busy(False)

    def _on_progress(self, progress) -> None:
        """The export steps after install (ONNX fp32, int8, the quality check) have a count and a name."""
        if progress.total:
            self.busy_bar.setRange(0, progress.total)
            self.busy_bar.setValue(progress.step)
            step = min(progress.step + 1, progress.total)
            self._set_status(f"Added. Preparing it for fast runs, step {step} of {progress.total}: {progress.message}…")

    def _on_finished(self, folder) -> None:
        self._detach()
        self.result_path = Path(folder)
        self._set_status(f"Done. “{self.result_path.name}” is saved in {self.result_path} and now appears in "
                         f"every model list.")
        self.close_button.setFocus()
        self.model_added.emit(str(self.result_path))

    def _on_failed(self, failure: JobFailure) -> None:
        self._detach()
        self.last_error = failure.message
        self._set_status(failure.message, error=True)

    def _on_cancelled(self) -> None:
        self._detach()
        self._set_status("Cancelled: nothing was added.")

    def cancel_job(self) -> None:
        """Give up on the running job: its result, whenever it comes, is thrown away (never installed)."""
        gate, runner = self._gate, self._runner
        if gate is not None:
            gate.close()
        self._detach()
        if runner is not None:
            runner.cancel()

    def reject(self) -> None:  # Cancel, Close, Esc and the window's close button
        if self.is_busy():
            self.cancel_job()
        super().reject()
