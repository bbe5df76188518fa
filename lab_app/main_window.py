"""The main window: four tabs, menus, the status bar (job strip, device, backend)."""

from __future__ import annotations

import logging

from PySide6.QtCore import QTimer, QUrl
from PySide6.QtGui import QAction, QCloseEvent, QDesktopServices, QIcon, QKeySequence, QShortcut
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow, QMessageBox, QTabWidget

from engines.core.device import DeviceInfo, resolve_device
from engines.core.jobs import CancelToken
from engines.core.paths import assets_dir
from lab_app import APP_NAME
from lab_app.context import AppContext
from lab_app.job_bar import JobBar
from lab_app.plotting import on_theme_changed
from lab_app.tabs import TABS
from lab_app.tabs.lab_tab import LabTab
from lab_app.theme import apply_theme

log = logging.getLogger(__name__)


def _resolve_device_job(preference: str, cancel: CancelToken):
    # A job with no events: importing torch to look for a GPU takes a second or two.
    return resolve_device(preference)
    yield  # pragma: no cover - makes this a generator


class MainWindow(QMainWindow):
    def __init__(self, ctx: AppContext, log_path=None, persist: bool = True) -> None:
        super().__init__()
        self.ctx = ctx
        self.log_path = log_path
        self.persist = persist
        self.setWindowTitle(APP_NAME)
        icon = QIcon()  # PNGs, not the SVG: loading the SVG plugin would slow the first paint
        for size in (16, 32, 48, 64, 128, 256):
            icon_path = assets_dir() / "icons" / f"ai-lab-{size}.png"
            if icon_path.is_file():
                icon.addFile(str(icon_path))
        self.setWindowIcon(icon)
        ctx.errors.parent_widget = self

        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.lab_tabs: list[LabTab] = []
        for spec in TABS:
            tab = LabTab(ctx, spec)
            tab.set_page(ctx.settings.last_page(spec.key))
            self.lab_tabs.append(tab)
            index = self.tabs.addTab(tab, spec.title)
            self.tabs.setTabToolTip(index, spec.summary)
        self.setCentralWidget(self.tabs)

        self._build_status_bar()
        self._build_menus()
        ctx.runner_added.connect(self.job_bar.watch)
        for runner in ctx.runners:
            self.job_bar.watch(runner)
        ctx.device_changed.connect(self._show_device)
        ctx.backend_changed.connect(lambda *_: self._show_backend())
        ctx.settings.changed.connect(self._on_settings_changed)

        last = ctx.settings.last_tab()
        keys = [t.key for t in TABS]
        if last in keys:
            self.tabs.setCurrentIndex(keys.index(last))
        geometry = ctx.settings.window_geometry() if persist else None
        if geometry is None or not self.restoreGeometry(geometry):
            self.resize(1280, 800)

        self._device_pref = ctx.current.device
        self._device_runner = ctx.new_runner("device check", show_in_status_bar=False)
        self._device_runner.finished.connect(ctx.set_device)
        QTimer.singleShot(300, self.refresh_device)

    # -- building --------------------------------------------------------------------------
    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.job_bar = JobBar()
        self.device_label = QLabel("Device: checking…")
        self.backend_label = QLabel()
        self.notice_label = QLabel()  # a job's warning (e.g. GPU out of memory → CPU), cleared after a while
        self.notice_label.setStyleSheet("color: #b45309;")
        self.notice_label.setVisible(False)
        self._notice_timer = QTimer(self)
        self._notice_timer.setSingleShot(True)
        self._notice_timer.timeout.connect(lambda: self.notice_label.setVisible(False))
        self.job_bar.notice.connect(self.show_notice)
        bar.addWidget(self.job_bar)
        bar.addPermanentWidget(self.notice_label)
        bar.addPermanentWidget(self.device_label)
        bar.addPermanentWidget(self.backend_label)
        self._show_backend()

    def show_notice(self, text: str, ms: int = 20000) -> None:
        """A job's warning in the status bar, with the full text as tooltip, for ``ms`` milliseconds."""
        short = text if len(text) <= 90 else text[:89] + "…"
        self.notice_label.setText("⚠ " + short)
        self.notice_label.setToolTip(text)
        self.notice_label.setVisible(True)
        self._notice_timer.start(ms)

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self.settings_action = QAction("&Settings…", self, shortcut=QKeySequence.StandardKey.Preferences)
        self.settings_action.setShortcuts([QKeySequence.StandardKey.Preferences, QKeySequence("Ctrl+,")])
        self.settings_action.triggered.connect(self.open_settings)
        file_menu.addAction(self.settings_action)
        file_menu.addSeparator()
        quit_action = QAction("&Quit", self, shortcut=QKeySequence.StandardKey.Quit)
        quit_action.setShortcuts([QKeySequence.StandardKey.Quit, QKeySequence("Ctrl+Q")])
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)

        view_menu = self.menuBar().addMenu("&View")
        for i, spec in enumerate(TABS):
            action = QAction(f"{spec.title} tab", self, shortcut=QKeySequence(f"Ctrl+{i + 1}"))
            action.triggered.connect(lambda _=False, i=i: self.tabs.setCurrentIndex(i))
            view_menu.addAction(action)
        view_menu.addSeparator()
        for text, key, delta in (("Next page", "Alt+Down", 1), ("Previous page", "Alt+Up", -1)):
            action = QAction(text, self, shortcut=QKeySequence(key))
            action.triggered.connect(lambda _=False, d=delta: self.current_tab().step_page(d))
            view_menu.addAction(action)

        help_menu = self.menuBar().addMenu("&Help")
        about = QAction("&About AI Lab", self, shortcut=QKeySequence("F1"))
        about.triggered.connect(self.show_about)
        help_menu.addAction(about)
        open_logs = QAction("Open &log folder", self)
        open_logs.triggered.connect(self.open_log_folder)
        help_menu.addAction(open_logs)

        cancel = QShortcut(QKeySequence("Esc"), self)
        cancel.activated.connect(self.job_bar.cancel_current)

    # -- actions ---------------------------------------------------------------------------
    def current_tab(self) -> LabTab:
        return self.lab_tabs[self.tabs.currentIndex()]

    def select(self, tab_key: str, page: int | None = None, build_now: bool = False) -> LabTab:
        keys = [t.key for t in TABS]
        tab = self.lab_tabs[keys.index(tab_key)]
        self.tabs.setCurrentWidget(tab)
        if page is not None:
            tab.set_page(page, build_now=build_now)
        elif build_now:
            tab.pages[tab.current_index()].ensure_built()
        return tab

    def refresh_device(self) -> None:
        self.device_label.setText("Device: checking…")
        pref = self.ctx.current.device
        self._device_runner.start(lambda cancel: _resolve_device_job(pref, cancel), label="Checking device")

    def open_settings(self) -> None:
        from lab_app.settings_dialog import SettingsDialog

        dialog = SettingsDialog(self.ctx.current, self)
        if dialog.exec():
            self.ctx.settings.save(dialog.chosen())

    def show_about(self) -> QMessageBox:
        from lab_app.about import about_html, about_rows  # reads package metadata: not needed at start-up

        rows = about_rows(self.device_label.text().removeprefix("Device: "), self.ctx.backend_name)
        box = QMessageBox(self)
        box.setWindowTitle("About AI Lab")
        box.setIconPixmap(self.windowIcon().pixmap(64, 64))
        box.setText(about_html(rows))
        box.setModal(False)
        box.show()
        self.about_box = box
        return box

    def open_log_folder(self) -> None:
        if self.log_path is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.log_path.parent)))

    # -- reacting ---------------------------------------------------------------------------
    def _show_device(self, device: DeviceInfo) -> None:
        self.device_label.setText(f"Device: {device.name}")
        self.device_label.setToolTip(device.note or "Change it in File → Settings")
        if device.note:
            self.statusBar().showMessage(device.note, 8000)

    def _show_backend(self) -> None:
        self.backend_label.setText(f"Backend: {self.ctx.backend_name}")
        self.backend_label.setToolTip(self.ctx.backend_note or "Change it in File → Settings")

    def _on_settings_changed(self, settings) -> None:
        effective = apply_theme(QApplication.instance(), settings.theme)
        on_theme_changed(effective)
        self.ctx.theme_changed.emit(effective)
        if settings.device != self._device_pref:
            self._device_pref = settings.device
            self.refresh_device()

    def closeEvent(self, event: QCloseEvent) -> None:
        for tab in self.lab_tabs:
            tab.shutdown()
        if not self.ctx.shutdown_jobs(2000):
            log.warning("some jobs did not stop within 2 s of closing")
        if self.persist:
            self.ctx.settings.set_window_geometry(self.saveGeometry())
            self.ctx.settings.set_last_position(
                TABS[self.tabs.currentIndex()].key, {t.spec.key: t.current_index() for t in self.lab_tabs}
            )
        super().closeEvent(event)
