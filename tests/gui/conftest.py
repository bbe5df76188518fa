import pytest

from lab_app.context import AppContext
from lab_app.errors import ErrorReporter
from lab_app.main_window import MainWindow
from lab_app.settings import SettingsStore


@pytest.fixture
def settings_path(tmp_path):
    return tmp_path / "settings.ini"


@pytest.fixture
def make_window(qtbot, qapp, settings_path):
    """Build a main window over the settings file at ``settings_path`` (call it again to 'restart')."""
    made = []

    def make():
        ctx = AppContext(SettingsStore(settings_path), ErrorReporter())
        window = MainWindow(ctx)
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        made.append(window)
        return window

    yield make
    for window in made:
        window.ctx.shutdown_jobs(2000)
        if window.ctx.errors.dialog is not None:
            window.ctx.errors.dialog.close()


@pytest.fixture
def window(make_window):
    return make_window()
