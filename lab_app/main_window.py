"""The main window: four tabs, menus, the status bar (job strip, device, backend)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QIcon, QKeySequence, QShortcut
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow, QTabWidget

from engines.core.paths import assets_dir
from lab_app import APP_NAME
from lab_app.context import AppContext
from lab_app.tabs import TABS
from lab_app.tabs.lab_tab import LabTab
from lab_app.theme import apply_theme

if TYPE_CHECKING:
    from PySide6.QtWidgets import QMessageBox

    from engines.core.device import DeviceInfo
    from engines.core.jobs import CancelToken
    from lab_app.job_bar import JobBar
    from lab_app.jobs import QtJobRunner

# What the first frame does not show is made after the first paint or on first use (the visible page,
# the job strip, the device check, the error reporter), and modules only they need are imported there.

log = logging.getLogger(__name__)


def _resolve_device_job(preference: str, cancel: CancelToken):
    # A job with no events: importing torch to look for a GPU takes a second or two.
    from engines.core.device import resolve_device

    return resolve_device(preference)
    yield  # pragma: no cover - makes this a generator


LAYOUT_SIZE = (1280, 800)  # every page must fit this window size (tests/gui/test_page_fit.py checks it)
SCREEN_SHARE = 0.85  # a first start opens the window over this share of a larger screen


def fitting_size(available_width: int, available_height: int) -> tuple[int, int]:
    """Window size for a screen whose free area is ``available_width`` × ``available_height`` px:
    85 % of it, never below :data:`LAYOUT_SIZE` unless the screen itself is smaller, never above the screen."""
    width = max(min(LAYOUT_SIZE[0], available_width), int(available_width * SCREEN_SHARE))
    height = max(min(LAYOUT_SIZE[1], available_height), int(available_height * SCREEN_SHARE))
    return min(width, available_width), min(height, available_height)


class MainWindow(QMainWindow):
    first_painted = Signal()  # once, just after the window's first paint; then the visible page is built
    gpu_notice = Signal(str)  # an ONNX session left the GPU for the CPU (sent from a worker thread)

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
        ctx.set_error_parent(self)
        self._painted = False
        self._job_bar: JobBar | None = None
        self._device_runner: QtJobRunner | None = None

        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.lab_tabs: list[LabTab] = []
        for spec in TABS:
            tab = LabTab(ctx, spec)
            tab.hold_builds()  # until the first paint: see paintEvent
            tab.set_page(ctx.settings.last_page(spec.key))
            self.lab_tabs.append(tab)
            index = self.tabs.addTab(tab, spec.title)
            self.tabs.setTabToolTip(index, spec.summary)
        self.setCentralWidget(self.tabs)

        self._build_status_bar()
        self._build_menus()
        from engines.core.device import add_fallback_listener

        self.gpu_notice.connect(self.show_notice)
        add_fallback_listener(self.gpu_notice.emit)
        ctx.runner_added.connect(self._watch_runner)
        if ctx.runners:
            self._make_job_bar()
        ctx.device_changed.connect(self._show_device)
        ctx.backend_changed.connect(lambda *_: self._show_backend())
        ctx.settings.changed.connect(self._on_settings_changed)

        last = ctx.settings.last_tab()
        keys = [t.key for t in TABS]
        if last in keys:
            self.tabs.setCurrentIndex(keys.index(last))
        geometry = ctx.settings.window_geometry() if persist else None
        if geometry is None or not self.restoreGeometry(geometry):  # Qt pulls a restored one onto a screen
            self.fit_to_screen()

        self._device_pref = ctx.current.device
        QTimer.singleShot(300, self.refresh_device)

    def fit_to_screen(self) -> None:
        """Size the window for the screen it is on (see :func:`fitting_size`) and centre it there."""
        screen = self.screen() or QApplication.primaryScreen()
        if screen is None:
            self.resize(*LAYOUT_SIZE)
            return
        area = screen.availableGeometry()
        self.resize(*fitting_size(area.width(), area.height()))
        self.move(area.x() + (area.width() - self.width()) // 2, area.y() + (area.height() - self.height()) // 2)

    # -- building --------------------------------------------------------------------------
    def paintEvent(self, event) -> None:
        super().paintEvent(event)
        if not self._painted:
            self._painted = True
            QTimer.singleShot(0, self._after_first_paint)

    def _after_first_paint(self) -> None:
        """Build the visible page once the window is on screen (it shows "Loading…" for that moment)."""
        for tab in self.lab_tabs:
            tab.release_builds()
        self._make_job_bar()
        self.first_painted.emit()

    @property
    def job_bar(self) -> JobBar:
        """The status-bar strip of the running job; made after the first paint or on first use."""
        return self._make_job_bar()

    def _make_job_bar(self) -> JobBar:
        """Make the job strip if not made yet (it imports the job machinery); return it."""
        if self._job_bar is None:
            from lab_app.job_bar import JobBar

            self._job_bar = JobBar()  # hidden until a job starts
            self._job_bar.notice.connect(self.show_notice)
            self.statusBar().addWidget(self._job_bar)
            for runner in self.ctx.runners:
                self._job_bar.watch(runner)
        return self._job_bar

    def _watch_runner(self, runner: QtJobRunner) -> None:
        self.job_bar.watch(runner)

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.device_label = QLabel("Device: checking…")
        self.backend_label = QLabel()
        self.notice_label = QLabel()  # a job's warning (e.g. GPU out of memory → CPU), cleared after a while
        self.notice_label.setStyleSheet("color: #b45309;")
        self.notice_label.setVisible(False)
        self._notice_timer = QTimer(self)
        self._notice_timer.setSingleShot(True)
        self._notice_timer.timeout.connect(lambda: self.notice_label.setVisible(False))
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
        self.settings_action = self._add_action(file_menu, "&Settings…", self.open_settings,
                                                QKeySequence.StandardKey.Preferences, "Ctrl+,")
        file_menu.addSeparator()
        self._add_action(file_menu, "&Quit", self.close, QKeySequence.StandardKey.Quit, "Ctrl+Q")

        view_menu = self.menuBar().addMenu("&View")
        for i, spec in enumerate(TABS):
            self._add_action(view_menu, f"{spec.title} tab", lambda _=False, i=i: self.tabs.setCurrentIndex(i),
                             f"Ctrl+{i + 1}")
        view_menu.addSeparator()
        for text, key, delta in (("Next page", "Alt+Down", 1), ("Previous page", "Alt+Up", -1)):
            self._add_action(view_menu, text, lambda _=False, d=delta: self.current_tab().step_page(d), key)

        help_menu = self.menuBar().addMenu("&Help")
        self._add_action(help_menu, "Start &tour", lambda: self.start_tour())
        self._add_action(help_menu, "&Glossary…", lambda: self.open_glossary(), "Ctrl+K")
        self._add_action(help_menu, "Glossary for this &page", self.open_glossary_in_context, "F1")
        help_menu.addSeparator()
        self._add_action(help_menu, "&About AI Lab", self.show_about)
        self._add_action(help_menu, "Open &log folder", self.open_log_folder)

        cancel = QShortcut(QKeySequence("Esc"), self)
        cancel.activated.connect(lambda: self.job_bar.cancel_current())

    def _add_action(self, menu, text: str, slot, *keys) -> QAction:
        action = QAction(text, self)
        if keys:
            # Always the list form: setShortcut() and QAction(shortcut=…) go through an overload taking Qt.Key,
            # which makes PySide6 build the whole Qt namespace (~15 ms) before the first paint.
            action.setShortcuts([QKeySequence(k) if isinstance(k, str) else k for k in keys])
        action.triggered.connect(slot)
        menu.addAction(action)
        return action

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
        if self._device_runner is None:
            self._device_runner = self.ctx.new_runner("device check", show_in_status_bar=False)
            self._device_runner.finished.connect(self.ctx.set_device)
        self._device_runner.start(lambda cancel: _resolve_device_job(pref, cancel), label="Checking device")

    def open_settings(self) -> None:
        from lab_app.settings_dialog import SettingsDialog

        dialog = SettingsDialog(self.ctx.current, self)
        if dialog.exec():
            self.ctx.settings.save(dialog.chosen())

    def show_about(self) -> QMessageBox:
        from PySide6.QtWidgets import QMessageBox

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

    # -- tour and glossary (lab_app/tour, lab_app/glossary) ------------------------------------
    def start_tour(self, index: int = 0):
        """Open the guided tour at stop ``index`` (reuses a running one); returns its controller."""
        from lab_app.tour.controller import TourController

        tour = getattr(self, "tour", None)
        if tour is None or not tour.active:
            tour = TourController(self, dont_show=self.ctx.settings.tour_dismissed())
            tour.dont_show_changed.connect(self.ctx.settings.set_tour_dismissed)
            self.tour = tour
        tour.start(index)
        return tour

    def offer_tour_on_first_launch(self) -> None:
        """After the first paint, open the tour unless the user said not to (tests and screenshots skip this)."""
        if not self.ctx.settings.tour_dismissed():
            self.first_painted.connect(lambda: QTimer.singleShot(0, self.start_tour))

    def open_glossary(self, key: str | None = None, query: str = ""):
        from lab_app.glossary.open import open_glossary

        return open_glossary(self, key, query)

    def open_glossary_in_context(self):
        """F1: the glossary at the word the focused control is named by (e.g. Temperature), else at the first
        term that the visible page shows."""
        from lab_app.glossary.linking import first_term_in
        from lab_app.glossary.terms import TERMS

        focused = QApplication.focusWidget()
        term = first_term_in(f"{focused.accessibleName()} {focused.toolTip()}") if focused is not None else None
        if term is not None:
            return self.open_glossary(term.key)
        tab = self.current_tab()
        here = (tab.spec.key, tab.spec.pages[tab.current_index()].key)
        return self.open_glossary(next((t.key for t in TERMS if t.page == here), None))

    def open_glossary_page(self, tab_key: str, page_key: str) -> None:
        from lab_app.tour.controller import page_index

        index = page_index(tab_key, page_key)
        if index is not None:
            self.select(tab_key, index, build_now=True)

    def open_log_folder(self) -> None:
        if self.log_path is not None:
            from PySide6.QtCore import QUrl
            from PySide6.QtGui import QDesktopServices

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
        from lab_app.plotting import on_theme_changed

        effective = apply_theme(QApplication.instance(), settings.theme)
        on_theme_changed(effective)
        self.ctx.theme_changed.emit(effective)
        if settings.device != self._device_pref:
            self._device_pref = settings.device
            self.refresh_device()

    def closeEvent(self, event: QCloseEvent) -> None:
        from engines.core.device import remove_fallback_listener

        remove_fallback_listener(self.gpu_notice.emit)
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
