"""Dialog "Get GPT-2": download OpenAI's GPT-2 from Hugging Face (only when asked), or open a GPT-2 folder.

The model ends up in ``<user models>/<name>``, so :func:`engines.llm.model_store.list_models`
and every page's model picker list it. Downloads and copies run as jobs on a worker thread.
They first land in a staging folder, ``<user models>/.downloads/<name>-<random>`` (one level
down, with no ``config.json`` of its own, so ``list_models`` never lists it), and are moved
into place in one rename once complete: a half-finished model is never listed.

``huggingface_hub`` cannot be interrupted mid-file, so Cancel closes the dialog at once and
the download finishes in the background, is then thrown away, and never becomes a model.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QButtonGroup, QDialog, QFileDialog, QHBoxLayout, QLabel, QProgressBar, QPushButton,
                               QRadioButton, QVBoxLayout, QWidget)

from engines.core.jobs import CancelToken, JobCancelled, Log
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
STAGING = ".downloads"  # inside the user models folder; list_models looks one level down only
# What a GPT-2 folder needs (and what is copied from one): the rest (pytorch_model.bin, TF/Flax weights) is skipped.
REQUIRED = ("config.json", "model.safetensors", "tokenizer.json")
COPIED = REQUIRED + ("generation_config.json", "tokenizer_config.json", "vocab.json", "merges.txt",
                     "special_tokens_map.json")
CANCEL_TIP = ("Closes this window now. A download already under way cannot be interrupted: it finishes in the "
              "background and is then thrown away, so nothing half-finished is added to your models.")

_active_lock = threading.Lock()
_active: set[Path] = set()  # staging folders this process is still writing (never cleaned up meanwhile)


class GPT2FolderError(ValueError):
    """A folder that is not a usable GPT-2 model; the message says why in plain words."""


class _Gate:
    """Decides atomically between "install the finished model" (worker) and "the user gave up" (GUI)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.closed = False

    def close(self) -> None:
        with self.lock:
            self.closed = True


def models_dir() -> Path:
    from engines.core.paths import user_models_dir

    return user_models_dir()


def target_for(name: str) -> Path:
    return models_dir() / name.replace("/", "--")


def check_gpt2_folder(folder: str | Path) -> dict[str, Any]:
    """Check that ``folder`` holds a GPT-2 this app can run, without loading the weights (no torch needed).

    Reads config.json (must be ``model_type: gpt2`` in a supported variant), the safetensors
    header (the embedding must match the config) and tokenizer.json. Returns
    ``{"parameters", "layers", "vocab_size", "tokenizer_vocab"}``; raises :class:`GPT2FolderError`.
    """
    from engines.core.model_io import ModelFileError, load_config, read_safetensors_header
    from engines.llm.hf_gpt2 import gpt_config_from_hf
    from engines.llm.model_store import describe_model, load_model_tokenizer

    folder = Path(folder)
    if not folder.is_dir():
        raise GPT2FolderError(f"{folder} is not a folder.")
    if not (folder / "config.json").is_file():
        raise GPT2FolderError(f"“{folder.name}” has no config.json, so it is not a Hugging Face model folder. "
                              f"A GPT-2 folder holds {', '.join(REQUIRED)}.")
    try:
        config = gpt_config_from_hf(load_config(folder), folder / "config.json")
    except ModelFileError as exc:
        raise GPT2FolderError(f"“{folder.name}” is not a GPT-2 model this app can run: {exc}") from exc
    weights = folder / "model.safetensors"
    if not weights.is_file():
        if (folder / "pytorch_model.bin").is_file():
            raise GPT2FolderError(f"“{folder.name}” has only pytorch_model.bin. This app reads model.safetensors only, "
                                  f"because PyTorch .bin files can run code when opened.")
        raise GPT2FolderError(f"“{folder.name}” has no model.safetensors (the weights).")
    try:
        header = read_safetensors_header(weights)
    except ModelFileError as exc:
        raise GPT2FolderError(f"The weights in “{folder.name}” cannot be used: {exc}") from exc
    tensors = {name.removeprefix("transformer."): info for name, info in header.items() if name != "__metadata__"}
    embedding = tensors.get("wte.weight", {}).get("shape")
    if embedding != [config.vocab_size, config.n_embd]:
        raise GPT2FolderError(f"The weights in “{folder.name}” do not match its config.json (token embedding "
                              f"{embedding}, expected {[config.vocab_size, config.n_embd]}).")
    if not any(name.startswith(f"h.{config.n_layer - 1}.") for name in tensors):
        raise GPT2FolderError(f"The weights in “{folder.name}” have fewer than the {config.n_layer} layers "
                              f"its config.json promises.")
    if not (folder / "tokenizer.json").is_file():
        older = " (it has the older vocab.json + merges.txt; this app reads tokenizer.json)" \
            if (folder / "vocab.json").is_file() else ""
        raise GPT2FolderError(f"“{folder.name}” has no tokenizer.json{older}.")
    try:
        tokenizer = load_model_tokenizer(folder)
        tokenizer_vocab = int(tokenizer.vocab_size)
    except Exception as exc:  # noqa: BLE001 - any reason a tokenizer cannot be read is reported the same way
        raise GPT2FolderError(f"The tokenizer.json in “{folder.name}” cannot be read: {exc}") from exc
    if tokenizer_vocab > config.vocab_size:
        raise GPT2FolderError(f"The tokenizer in “{folder.name}” has {tokenizer_vocab} tokens but the model only "
                              f"{config.vocab_size}: they do not belong together.")
    info = describe_model(folder, "user") or {}
    return {"parameters": info.get("parameters"), "layers": config.n_layer, "vocab_size": config.vocab_size,
            "tokenizer_vocab": tokenizer_vocab}


# --- staging and installing (worker thread) -----------------------------------------------------

def _new_staging(name: str) -> Path:
    root = models_dir() / STAGING
    root.mkdir(parents=True, exist_ok=True)
    path = root / f"{name.replace('/', '--')}-{secrets.token_hex(4)}"
    path.mkdir()
    with _active_lock:
        _active.add(path)
    return path


def _discard(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
    with _active_lock:
        _active.discard(path)


def clean_stale_staging(max_age_s: float = 3600.0) -> None:
    """Remove staging folders left by a crashed or killed run (not ones this process is writing)."""
    root = models_dir() / STAGING
    if not root.is_dir():
        return
    with _active_lock:
        active = set(_active)
    for path in root.iterdir():
        try:
            old = time.time() - path.stat().st_mtime > max_age_s
        except OSError:
            continue
        if path not in active and old:
            shutil.rmtree(path, ignore_errors=True)


def _install(staging: Path, target: Path, cancel: CancelToken, gate: _Gate, replace: bool) -> Path:
    """Move the complete ``staging`` folder to ``target`` in one rename, unless the user gave up meanwhile."""
    from engines.llm.model_store import describe_model

    shutil.rmtree(staging / ".cache", ignore_errors=True)  # huggingface_hub's bookkeeping, not part of the model
    old = None
    with gate.lock:
        if gate.closed or cancel.cancelled:
            raise JobCancelled()
        if target.exists():
            info = describe_model(target, "user")
            if not replace or info is None or not info["kind"].startswith("gpt2"):
                raise GPT2FolderError(f"A folder called “{target.name}” already exists in {target.parent} and is not "
                                      f"a GPT-2 download; move or rename it, then try again.")
            old = staging.parent / f"{staging.name}-replaced"
            os.replace(target, old)
        os.replace(staging, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    return target


def download_job(name: str, target: Path, cancel: CancelToken, gate: _Gate):
    """A job: download ``name`` into a staging folder, check it, then move it to ``target``; returns ``target``."""
    from engines.llm.hf_gpt2 import download_gpt2

    staging = _new_staging(name)
    try:
        yield Log(f"Downloading {name} from Hugging Face into {staging}")
        download_gpt2(name, staging)  # blocks until done; cannot be interrupted
        check_gpt2_folder(staging)
        return _install(staging, target, cancel, gate, replace=True)
    finally:
        _discard(staging)


def _name_for(source: Path) -> str:
    """A folder name for an opened model; a Hugging Face cache snapshot (…/models--gpt2/snapshots/<hash>) → gpt2."""
    name = source.name
    if re.fullmatch(r"[0-9a-f]{40}", name) and source.parent.name == "snapshots":
        name = source.parent.parent.name.removeprefix("models--")
    name = re.sub(r"[^\w.\-]+", "-", name).strip(".-") or "gpt2"
    return name


def free_target(name: str) -> Path:
    root = models_dir()
    candidate, n = root / name, 2
    while candidate.exists():
        candidate, n = root / f"{name}-{n}", n + 1
    return candidate


def import_job(source: Path, cancel: CancelToken, gate: _Gate):
    """A job: check the GPT-2 folder ``source`` and copy it into the user models folder; returns the new folder."""
    source = Path(source)
    yield Log(f"Checking {source}")
    check_gpt2_folder(source)
    if source.resolve().parent == models_dir().resolve():
        return source  # already one of the user's models
    target = free_target(_name_for(source))
    staging = _new_staging(target.name)
    try:
        for file_name in COPIED:
            cancel.raise_if_cancelled()
            if (source / file_name).is_file():
                yield Log(f"Copying {file_name}")
                shutil.copy2(source / file_name, staging / file_name)
        return _install(staging, target, cancel, gate, replace=False)
    finally:
        _discard(staging)


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
        self._gate: _Gate | None = None
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
        gate = _Gate()
        self._gate = gate
        # a runner per job: after Cancel it may run on in the background while a new one starts at once
        runner = self.ctx.new_runner("gpt2-download", show_in_status_bar=False, report_errors=False)
        runner.finished.connect(self._on_finished)
        runner.failed.connect(self._on_failed)
        runner.cancelled.connect(self._on_cancelled)
        self._runner = runner
        self.last_error = None
        self._set_busy(True)
        self._set_status(message)
        runner.start(lambda cancel: make_job(cancel, gate), label=label)

    def _detach(self) -> None:
        runner, self._runner, self._gate = self._runner, None, None
        if runner is not None:
            for signal, slot in ((runner.finished, self._on_finished), (runner.failed, self._on_failed),
                                 (runner.cancelled, self._on_cancelled)):
                try:
                    signal.disconnect(slot)
                except (RuntimeError, TypeError):
                    pass
        self._set_busy(False)

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
