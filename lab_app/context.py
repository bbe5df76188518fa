"""What every tab and page gets from the app: settings, device, job runners, error reporting."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from engines.core.device import BACKEND_NAMES, DeviceInfo, resolve_backend
from lab_app.settings import Settings, SettingsStore

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from lab_app.errors import ErrorReporter
    from lab_app.jobs import JobFailure, QtJobRunner


class AppContext(QObject):
    """Shared services for pages.

    - ``settings``: the :class:`SettingsStore`; ``current`` is the loaded :class:`Settings`.
    - ``device``: the resolved :class:`DeviceInfo` (None until resolved in the background;
      ``device_changed`` fires when known).
    - ``new_runner(name)``: a :class:`QtJobRunner` whose progress shows in the status bar,
      whose errors show as dialogs and which is cancelled and joined when the app closes.
    - ``errors``: the :class:`ErrorReporter`. Without one given, it is made on first use: its module
      pulls in ``logging.handlers`` and QMessageBox, which the app's first frame does not need.
    """

    device_changed = Signal(object)  # DeviceInfo
    backend_changed = Signal(str, str)  # backend key, note
    theme_changed = Signal(str)  # effective theme: light | dark
    runner_added = Signal(object)  # QtJobRunner

    def __init__(self, settings: SettingsStore, errors: ErrorReporter | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self._errors = errors
        self._error_parent: QWidget | None = None
        self.current: Settings = settings.load()
        self.device: DeviceInfo | None = None
        self.backend, self.backend_note = resolve_backend(self.current.backend)
        self.runners: list[QtJobRunner] = []
        settings.changed.connect(self._on_settings_changed)

    @property
    def errors(self) -> ErrorReporter:
        if self._errors is None:
            from lab_app.errors import ErrorReporter

            self._errors = ErrorReporter(self._error_parent)
        return self._errors

    def set_error_parent(self, widget: QWidget) -> None:
        """The window that error dialogs belong to (set now, or when the reporter is made)."""
        self._error_parent = widget
        if self._errors is not None:
            self._errors.parent_widget = widget

    @property
    def backend_name(self) -> str:
        return BACKEND_NAMES[self.backend]

    def set_device(self, device: DeviceInfo) -> None:
        self.device = device
        self.device_changed.emit(device)

    def new_runner(self, name: str, show_in_status_bar: bool = True, report_errors: bool = True) -> QtJobRunner:
        from lab_app.jobs import QtJobRunner  # not at import: the app's first frame runs no job

        runner = QtJobRunner(name, self, threads=self.current.threads, show_in_status_bar=show_in_status_bar)
        if report_errors:
            runner.failed.connect(self._report_failure)
        self.runners.append(runner)
        self.runner_added.emit(runner)
        return runner

    def _report_failure(self, failure: JobFailure) -> None:
        self.errors.report(f"{failure.label} failed", failure.message, failure.traceback)

    def shutdown_jobs(self, timeout_ms: int = 2000) -> bool:
        """Cancel every job and wait for the threads; True if all ended in time."""
        for runner in self.runners:
            runner.cancel()
        return all(runner.shutdown(timeout_ms) for runner in self.runners)

    def _on_settings_changed(self, new: Settings) -> None:
        old, self.current = self.current, new
        for runner in self.runners:
            runner.threads = new.threads
        if new.backend != old.backend:
            self.backend, self.backend_note = resolve_backend(new.backend)
            self.backend_changed.emit(self.backend, self.backend_note)
