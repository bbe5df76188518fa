"""User settings persisted with QSettings: typed defaults, validated values, injectable path.

The file is an INI file: ``--settings PATH`` or ``AI_LAB_SETTINGS`` choose it (tests and
scripts use that); otherwise Qt's per-user config location is used. Every write is
followed by ``sync()`` so a crash loses nothing already set.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from pathlib import Path

from PySide6.QtCore import QByteArray, QObject, QSettings, Signal

from engines.core.device import BACKEND_CHOICES, DEVICE_CHOICES, default_thread_count
from lab_app import APP_ID

THEME_CHOICES = ("system", "light", "dark")
MAX_THREADS = 64


@dataclass
class Settings:
    """The user's choices. Field defaults are the app's defaults."""

    device: str = "auto"
    backend: str = "onnx"
    theme: str = "system"
    threads: int = default_thread_count()

    def validated(self) -> Settings:
        """A copy with every invalid value replaced by its default."""
        base = Settings()
        return Settings(
            device=self.device if self.device in DEVICE_CHOICES else base.device,
            backend=self.backend if self.backend in BACKEND_CHOICES else base.backend,
            theme=self.theme if self.theme in THEME_CHOICES else base.theme,
            threads=self.threads if isinstance(self.threads, int) and 1 <= self.threads <= MAX_THREADS
            else base.threads,
        )


def default_settings_path() -> Path | None:
    env = os.environ.get("AI_LAB_SETTINGS")
    return Path(env) if env else None


class SettingsStore(QObject):
    """Reads and writes :class:`Settings` plus window state. Emits ``changed(Settings)``."""

    changed = Signal(object)

    def __init__(self, path: str | Path | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        path = Path(path) if path is not None else default_settings_path()
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._qs = QSettings(str(path), QSettings.Format.IniFormat)
        else:
            self._qs = QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, APP_ID, APP_ID)
        self.path = Path(self._qs.fileName())

    # -- typed settings -------------------------------------------------------------------
    def load(self) -> Settings:
        defaults = Settings()
        values = {}
        for f in fields(Settings):
            raw = self._qs.value(f"lab/{f.name}", getattr(defaults, f.name))
            if f.type in ("int", int):
                try:
                    raw = int(raw)
                except (TypeError, ValueError):
                    raw = getattr(defaults, f.name)
            else:
                raw = str(raw)
            values[f.name] = raw
        return Settings(**values).validated()

    def save(self, settings: Settings) -> None:
        settings = settings.validated()
        for f in fields(Settings):
            self._qs.setValue(f"lab/{f.name}", getattr(settings, f.name))
        self._qs.sync()
        self.changed.emit(settings)

    def update(self, **changes) -> Settings:
        current = self.load()
        for key, value in changes.items():
            if not hasattr(current, key):
                raise KeyError(f"no setting named {key!r}")
            setattr(current, key, value)
        self.save(current)
        return self.load()

    # -- window state ---------------------------------------------------------------------
    def window_geometry(self) -> QByteArray | None:
        value = self._qs.value("window/geometry")
        return value if isinstance(value, QByteArray) and not value.isEmpty() else None

    def set_window_geometry(self, geometry: QByteArray) -> None:
        self._qs.setValue("window/geometry", geometry)
        self._qs.sync()

    def explainer_height(self, page_id: str) -> int | None:
        """The explainer height the user dragged on that page; 0 = hidden; None = fit the text."""
        try:
            value = int(self._qs.value(f"explainer/{page_id}", -1))
        except (TypeError, ValueError):
            return None
        return value if value >= 0 else None

    def set_explainer_height(self, page_id: str, height: int | None) -> None:
        if height is None:
            self._qs.remove(f"explainer/{page_id}")
        else:
            self._qs.setValue(f"explainer/{page_id}", max(0, int(height)))
        self._qs.sync()

    def tour_dismissed(self) -> bool:
        """True once the user ticked "Don't open the tour at start"."""
        return str(self._qs.value("tour/dismissed", "false")).lower() == "true"

    def set_tour_dismissed(self, dismissed: bool) -> None:
        self._qs.setValue("tour/dismissed", "true" if dismissed else "false")
        self._qs.sync()

    def last_tab(self) -> str:
        return str(self._qs.value("window/last_tab", ""))

    def last_page(self, tab_key: str) -> int:
        try:
            return int(self._qs.value(f"window/page_{tab_key}", 0))
        except (TypeError, ValueError):
            return 0

    def set_last_position(self, tab_key: str, pages: dict[str, int]) -> None:
        self._qs.setValue("window/last_tab", tab_key)
        for key, index in pages.items():
            self._qs.setValue(f"window/page_{key}", int(index))
        self._qs.sync()
