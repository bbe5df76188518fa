import pytest
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication

from lab_app.settings import Settings, SettingsStore
from lab_app.tabs.page import LabPage


def test_window_has_title_four_tabs_and_status(window, qtbot):
    assert window.windowTitle() == "AI Lab"
    assert [window.tabs.tabText(i) for i in range(window.tabs.count())] == ["LLM", "Embeddings", "Neural Net",
                                                                            "Diffusion"]
    assert window.backend_label.text() == "Backend: ONNX Runtime"
    qtbot.waitUntil(lambda: window.device_label.text() != "Device: checking…", timeout=30000)
    assert window.device_label.text() in {"Device: CPU"} or window.device_label.text().startswith("Device: CUDA")
    assert not window.job_bar.isVisible()  # the device check is not a user job


def test_every_page_of_every_tab_builds(window, qtbot):
    for tab in window.lab_tabs:
        for i, holder in enumerate(tab.pages):
            window.select(tab.spec.key, i, build_now=True)
            assert isinstance(holder.page, LabPage), f"{tab.spec.key} page {i} did not build"
            qtbot.waitUntil(lambda: holder.page.isVisible(), timeout=2000)


def _action(window, shortcut):
    from PySide6.QtGui import QAction, QKeySequence

    matches = [a for a in window.findChildren(QAction) if QKeySequence(shortcut) in a.shortcuts()]
    assert matches, f"no action has the shortcut {shortcut}"
    return matches[0]


def test_keyboard_shortcuts_switch_tabs_and_pages(window):
    _action(window, "Ctrl+3").trigger()
    assert window.tabs.currentIndex() == 2
    tab = window.current_tab()
    tab.set_page(0)
    _action(window, "Alt+Down").trigger()
    assert tab.current_index() == 1
    _action(window, "Alt+Up").trigger()
    _action(window, "Alt+Up").trigger()
    assert tab.current_index() == len(tab.pages) - 1  # wraps around


def test_geometry_tab_and_page_are_restored(make_window, qtbot):
    first = make_window()
    first.resize(1000, 700)
    first.select("embeddings", 2)
    first.close()
    second = make_window()
    assert second.tabs.currentIndex() == 1
    assert second.current_tab().current_index() == 2
    assert (second.width(), second.height()) == (1000, 700)


def test_settings_round_trip_and_invalid_values_fall_back(settings_path):
    store = SettingsStore(settings_path)
    chosen = Settings(device="cpu", backend="torch", theme="dark", threads=3)
    store.save(chosen)
    assert SettingsStore(settings_path).load() == chosen
    raw = SettingsStore(settings_path)
    raw._qs.setValue("lab/device", "quantum")
    raw._qs.setValue("lab/threads", "many")
    raw._qs.sync()
    loaded = SettingsStore(settings_path).load()
    assert loaded.device == Settings().device and loaded.threads == Settings().threads
    assert loaded.backend == "torch"


def test_dark_theme_recolours_window_and_plots(window, qtbot):
    from lab_app.plotting import pg

    window.ctx.settings.update(theme="dark")
    app = QApplication.instance()
    assert app.palette().color(QPalette.ColorRole.Window).lightness() < 80
    assert pg().getConfigOption("background") == "#1e1f22"
    window.ctx.settings.update(theme="light")
    assert app.palette().color(QPalette.ColorRole.Window).lightness() > 180
    assert pg().getConfigOption("background") == "#ffffff"


def test_settings_dialog_saves_choices(window, qtbot, monkeypatch):
    from lab_app.settings_dialog import SettingsDialog

    def fake_exec(dialog):
        dialog.theme.setCurrentIndex(dialog.theme.findData("dark"))
        dialog.threads.setValue(2)
        return True

    monkeypatch.setattr(SettingsDialog, "exec", fake_exec)
    window.open_settings()
    saved = window.ctx.settings.load()
    assert (saved.theme, saved.threads) == ("dark", 2)
    assert window.ctx.current.threads == 2


def test_about_shows_versions_and_device(window, qtbot):
    box = window.show_about()
    text = box.text()
    for part in ("Python", "Qt", "PyTorch", "ONNX Runtime", "Device", "Backend"):
        assert part in text
    box.close()


@pytest.mark.qt_no_exception_capture
def test_exception_in_a_slot_shows_a_dialog_and_the_app_keeps_running(window, qtbot):
    import sys

    from PySide6.QtCore import QTimer

    old_hook = sys.excepthook
    window.ctx.errors.install()
    try:
        def broken_slot():
            raise RuntimeError("slot exploded")

        QTimer.singleShot(0, broken_slot)
        qtbot.waitUntil(lambda: bool(window.ctx.errors.history), timeout=5000)
    finally:
        sys.excepthook = old_hook
    assert "slot exploded" in window.ctx.errors.history[-1][1]
    assert window.ctx.errors.dialog.isVisible()
    window.tabs.setCurrentIndex(1)  # still alive and responsive
    assert window.isVisible() and window.tabs.currentIndex() == 1


def test_theme_change_skips_plots_whose_window_is_gone(window, qtbot):
    from lab_app.plotting import pg, themed

    plot = themed(pg().PlotWidget())
    plot.deleteLater()
    qtbot.waitUntil(lambda: not __import__("shiboken6").isValid(plot), timeout=2000)
    window.ctx.settings.update(theme="dark")  # must not raise "Internal C++ object already deleted"
    window.ctx.settings.update(theme="light")
