"""Settings survive a crash, and a damaged settings file loads as the defaults.

A child process changes the settings the way the Settings dialog does (``settings.save(dialog.chosen())``)
and records the window position, then is killed with SIGKILL: no clean exit, no QSettings destructor, no
event loop to flush anything. A fresh process must read the new values.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from lab_app.settings import Settings, SettingsStore

ROOT = Path(__file__).resolve().parents[2]

CHANGER = textwrap.dedent("""
    import sys, time
    from PySide6.QtWidgets import QApplication
    from lab_app.settings import SettingsStore
    from lab_app.settings_dialog import SettingsDialog

    app = QApplication([])
    store = SettingsStore(sys.argv[1])
    dialog = SettingsDialog(store.load())
    dialog.device.setCurrentIndex(dialog.device.findData("cpu"))
    dialog.backend.setCurrentIndex(dialog.backend.findData("torch"))
    dialog.theme.setCurrentIndex(dialog.theme.findData("dark"))
    dialog.threads.setValue(1)
    store.save(dialog.chosen())  # what MainWindow.open_settings does when OK is pressed
    store.set_last_position("embeddings", {"llm": 4, "embeddings": 2})
    print("saved", flush=True)
    time.sleep(60)  # never exits by itself: the test kills it
""")

READER = textwrap.dedent("""
    import json, sys
    from dataclasses import asdict
    from lab_app.settings import SettingsStore

    store = SettingsStore(sys.argv[1])
    print(json.dumps({"settings": asdict(store.load()), "tab": store.last_tab(),
                      "llm_page": store.last_page("llm"), "emb_page": store.last_page("embeddings")}))
""")


def _env() -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen"}
    env.pop("DISPLAY", None)  # offscreen must not be combined with a DISPLAY
    return env


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_settings_changed_in_the_dialog_survive_sigkill(tmp_path):
    path = tmp_path / "settings.ini"
    SettingsStore(path).save(Settings(device="auto", backend="onnx", theme="light", threads=2))
    child = subprocess.Popen([sys.executable, "-c", CHANGER, str(path)], env=_env(), cwd=ROOT,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = child.stdout.readline()
        assert line.strip() == "saved", child.stderr.read() if child.poll() is not None else line
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait(10)
        child.stdout.close()
        child.stderr.close()
    assert child.returncode == -signal.SIGKILL

    fresh = subprocess.run([sys.executable, "-c", READER, str(path)], env=_env(), cwd=ROOT,
                           capture_output=True, text=True, timeout=60)
    assert fresh.returncode == 0, fresh.stderr
    read = json.loads(fresh.stdout.strip().splitlines()[-1])
    assert read["settings"] == {"device": "cpu", "backend": "torch", "theme": "dark", "threads": 1}
    assert (read["tab"], read["llm_page"], read["emb_page"]) == ("embeddings", 4, 2)


GARBAGE = {
    "random-bytes": bytes(range(256)) * 40,
    "nul-bytes": b"\x00" * 5000,
    "half-written": b"[lab]\ndevice=cp",
    "not-ini": b"{\"lab\": {\"device\": \"cpu\"}}\n<xml>\n===\n[[[\n",
    "wrong-types": b"[lab]\ndevice=@Variant(\\0\\0\\0\\x7f\\0\\0\\0\\x1\\xff)\nthreads=@ByteArray(\\xff\\xfe)\n"
                   b"theme=dark\\\nbackend=\n[window]\ngeometry=@ByteArray(garbage)\nlast_tab=@Invalid()\n"
                   b"page_llm=minus one\n",
    "utf16": "[lab]\ndevice=cpu\n".encode("utf-16"),
}


@pytest.mark.parametrize("content", GARBAGE.values(), ids=GARBAGE.keys())
def test_a_corrupt_settings_file_loads_as_defaults_without_crashing(tmp_path, content):
    path = tmp_path / "settings.ini"
    path.write_bytes(content)
    store = SettingsStore(path)
    loaded = store.load()
    assert loaded == loaded.validated()  # every value is a valid one
    if content in (GARBAGE["random-bytes"], GARBAGE["nul-bytes"], GARBAGE["half-written"]):
        assert loaded == Settings()
    assert store.window_geometry() is None or not store.window_geometry().isEmpty()
    assert isinstance(store.last_tab(), str)
    assert isinstance(store.last_page("llm"), int)
    # and the file can be written over and read back
    store.save(Settings(theme="dark"))
    assert SettingsStore(path).load().theme == "dark"


def test_the_main_window_opens_over_a_corrupt_settings_file(qtbot, qapp, tmp_path):
    from lab_app.context import AppContext
    from lab_app.errors import ErrorReporter
    from lab_app.main_window import MainWindow

    path = tmp_path / "settings.ini"
    path.write_bytes(GARBAGE["wrong-types"] + GARBAGE["random-bytes"])
    ctx = AppContext(SettingsStore(path), ErrorReporter())
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    try:
        assert window.isVisible() and window.tabs.count() == 4
        assert ctx.current == ctx.current.validated()
        assert ctx.errors.history == []
    finally:
        ctx.shutdown_jobs(2000)
