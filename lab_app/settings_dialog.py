"""Settings: compute device, inference backend, theme, CPU threads."""

from __future__ import annotations

import os

from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QSpinBox, QWidget

from lab_app.settings import MAX_THREADS, Settings

DEVICE_LABELS = {"auto": "Automatic (CUDA, then MPS, then CPU)", "cpu": "CPU", "cuda": "CUDA (NVIDIA GPU)",
                 "mps": "MPS (Apple GPU)"}
BACKEND_LABELS = {"onnx": "ONNX Runtime (fast inference)", "torch": "PyTorch (training, introspection)"}
THEME_LABELS = {"system": "Follow the system", "light": "Light", "dark": "Dark"}


def _combo(labels: dict[str, str], current: str, tip: str) -> QComboBox:
    box = QComboBox()
    for key, text in labels.items():
        box.addItem(text, key)
    box.setCurrentIndex(max(0, box.findData(current)))
    box.setToolTip(tip)
    return box


class SettingsDialog(QDialog):
    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.device = _combo(DEVICE_LABELS, settings.device,
                             "Which chip runs the models. A missing GPU falls back to the CPU.")
        self.backend = _combo(BACKEND_LABELS, settings.backend,
                              "Which runtime runs inference. Training always uses PyTorch.")
        self.theme = _combo(THEME_LABELS, settings.theme, "Colours of the window and the plots.")
        self.threads = QSpinBox()
        self.threads.setRange(1, min(MAX_THREADS, max(1, os.cpu_count() or 1) * 2))
        self.threads.setValue(settings.threads)
        self.threads.setToolTip("CPU threads for PyTorch and ONNX Runtime. More than your cores slows things down.")
        form = QFormLayout(self)
        form.addRow("Compute device:", self.device)
        form.addRow("Inference backend:", self.backend)
        form.addRow("Theme:", self.theme)
        form.addRow("CPU threads:", self.threads)
        note = QLabel(f"This computer has {os.cpu_count() or '?'} CPU cores. Device and thread changes apply to "
                      "the next job.")
        note.setWordWrap(True)
        form.addRow(note)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
                                   | QDialogButtonBox.StandardButton.RestoreDefaults)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        buttons.button(QDialogButtonBox.StandardButton.RestoreDefaults).clicked.connect(self.restore_defaults)
        form.addRow(buttons)

    def restore_defaults(self) -> None:
        d = Settings()
        self.device.setCurrentIndex(self.device.findData(d.device))
        self.backend.setCurrentIndex(self.backend.findData(d.backend))
        self.theme.setCurrentIndex(self.theme.findData(d.theme))
        self.threads.setValue(d.threads)

    def chosen(self) -> Settings:
        return Settings(device=self.device.currentData(), backend=self.backend.currentData(),
                        theme=self.theme.currentData(), threads=self.threads.value()).validated()
