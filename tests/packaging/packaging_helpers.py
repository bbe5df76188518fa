"""What the packaging tests share: running ``--smoke-test`` and judging its output."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from lab_app.smoke_test import CHECK_NAMES, TORCH_CHECKS

# Qt chatter that is expected and harmless. Anything else the app prints is a failure.
HARMLESS = [
    re.compile(r"^This plugin does not support propagateSizeHints\(\)$"),
    # offscreen has no OpenGL: the 3D views show a fallback (checked by tests/gui).
    re.compile(r"^QOpenGLWidget is not supported on this platform\.?$"),
    re.compile(r"^QOpenGLWidget: Failed to create context$"),
    # Xvfb has no XInput / session bus / xdg portal; Qt says so once.
    re.compile(r"^qt\.qpa\.xcb: X server does not support XInput 2$"),
    re.compile(r"^qt\.qpa\.xcb: XKeyboard extension not present on the X server$"),
    re.compile(r"^QStandardPaths: XDG_RUNTIME_DIR not set.*$"),
    re.compile(r"^QStandardPaths: runtime directory .* is not owned by UID.*$"),
    re.compile(r"^qt\.qpa\.theme\.gnome: .*$"),
    re.compile(r"^qt\.qpa\.fonts: .*$"),
    # QtMultimedia (Music page) on a machine without VA-API, PipeWire or a PulseAudio server: it says so once and
    # the page offers Export WAV instead of Play (checked by tests/gui/diffusion).
    re.compile(r"^qt\.multimedia\.(symbolsresolver|ffmpeg): .*$"),
    re.compile(r"^PulseAudioService: pa_context_connect\(\) failed$"),
]
EXPECTED_LINE = re.compile(r"^(ok|FAIL|skip) +(?P<name>[^:]+): ")
OWN_LINE = re.compile(r"^(AI Lab \S+ smoke test: |smoke test (PASS|FAIL): )")


def smoke_env(platform: str, tmp: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update({"QT_QPA_PLATFORM": platform, "AI_LAB_DATA_DIR": str(tmp / "data"),
                "AI_LAB_SETTINGS": str(tmp / "settings.ini"), "OMP_NUM_THREADS": "1",
                "PYTHONWARNINGS": "default"})
    if platform == "offscreen":  # never combine offscreen with a DISPLAY (pyqtgraph's GL check breaks)
        env.pop("DISPLAY", None)
        env.pop("WAYLAND_DISPLAY", None)
    env.update(extra)
    return env


def run_smoke(cmd: list[str], env: dict[str, str], timeout: float = 240) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, env=env, cwd=env.get("AI_LAB_SMOKE_CWD", str(ROOT)), capture_output=True,
                          text=True, timeout=timeout, check=False)


def judge(proc: subprocess.CompletedProcess, lite: bool) -> dict[str, str]:
    """Assert a clean pass; return {check name: status}."""
    text = proc.stdout + proc.stderr
    status: dict[str, str] = {}
    unexpected = []
    for line in text.splitlines():
        line = line.rstrip()
        if not line:
            continue
        m = EXPECTED_LINE.match(line)
        if m:
            status[m.group("name")] = m.group(1)
        elif not OWN_LINE.match(line) and not any(p.match(line) for p in HARMLESS):
            unexpected.append(line)
    assert proc.returncode == 0, f"--smoke-test exited {proc.returncode}:\n{text}"
    missing = [n for n in CHECK_NAMES if n not in status]
    assert not missing, f"check lines missing: {missing}\n{text}"
    for name in CHECK_NAMES:
        want = "skip" if (lite and name in TORCH_CHECKS) else "ok"
        assert status[name] == want, f"{name}: {status[name]}, wanted {want}\n{text}"
    assert not unexpected, "unexpected output:\n" + "\n".join(unexpected) + f"\n--- full output:\n{text}"
    header = "lite (onnxruntime only)" if lite else "full (torch + onnxruntime)"
    assert header in text, text
    return status
