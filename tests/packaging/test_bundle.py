"""Build the lite PyInstaller bundle and run the frozen app's ``--smoke-test`` (slow: ~1.5-3 min).

Needs PyInstaller (``pip install "pyinstaller>=6.10"``). Runs the binary under the current Qt platform
(xcb on the Xvfb that pytest-xvfb starts) and offscreen; fails on any output that is not a check line or a
known-harmless Qt message, and proves the lite bundle has no torch.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
import time

import pytest
from packaging_helpers import ROOT, judge, run_smoke, smoke_env

pytestmark = [
    pytest.mark.slow,
    pytest.mark.timeout(1200),
    pytest.mark.skipif(importlib.util.find_spec("PyInstaller") is None,
                       reason='PyInstaller is not installed (pip install "pyinstaller>=6.10")'),
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the bundle test runs on Linux"),
]

TORCH_NAMES = ("torch", "functorch", "torchvision", "onnxscript", "onnx_ir")


@pytest.fixture(scope="module")
def lite_bundle(tmp_path_factory):
    base = tmp_path_factory.mktemp("bundle")
    env = dict(os.environ, AI_LAB_FLAVOUR="lite")
    t0 = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "PyInstaller", "build.spec", "--noconfirm",
                           "--distpath", str(base / "dist"), "--workpath", str(base / "work")],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=1100, check=False)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-8000:]
    print(f"lite bundle built in {time.monotonic() - t0:.0f} s")
    folder = base / "dist" / "ai-lab"
    assert (folder / "ai-lab").is_file()
    return folder, base / "work"


def test_frozen_smoke_test_current_platform(lite_bundle, tmp_path):
    folder, _ = lite_bundle
    platform = os.environ.get("QT_QPA_PLATFORM", "offscreen")
    if platform == "offscreen":
        pytest.skip("no Xvfb here: the offscreen test covers it")
    assert os.environ.get("DISPLAY"), "xcb needs a DISPLAY (pytest-xvfb provides one)"
    env = smoke_env(platform, tmp_path, AI_LAB_SMOKE_CWD=str(tmp_path))
    judge(run_smoke([str(folder / "ai-lab"), "--smoke-test"], env), lite=True)


def test_frozen_smoke_test_offscreen(lite_bundle, tmp_path):
    folder, _ = lite_bundle
    env = smoke_env("offscreen", tmp_path, AI_LAB_SMOKE_CWD=str(tmp_path))
    judge(run_smoke([str(folder / "ai-lab"), "--smoke-test"], env), lite=True)


def test_lite_bundle_has_no_torch(lite_bundle):
    folder, work = lite_bundle
    internal = folder / "_internal"
    on_disk = [p.relative_to(folder) for p in internal.rglob("*")
               if p.name.split(".")[0] in TORCH_NAMES or p.name.startswith(("libtorch", "libc10"))]
    assert not on_disk, f"torch files in the lite bundle: {on_disk[:10]}"
    tocs = list(work.rglob("PYZ-*.toc"))
    assert tocs, "no PYZ table of contents in the work folder"
    pattern = re.compile(r"'({})(\.[\w.]+)?'".format("|".join(TORCH_NAMES)))
    for toc in tocs:
        found = sorted({m.group(0) for m in pattern.finditer(toc.read_text())})
        assert not found, f"torch modules in {toc.name}: {found[:10]}"


def test_lite_bundle_size(lite_bundle):
    folder, _ = lite_bundle
    size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())
    print(f"lite bundle: {size / 1e6:.0f} MB")
    assert size < 400e6, f"lite bundle is {size / 1e6:.0f} MB"
    assert not list(folder.rglob("translations/*.qm")), "Qt translations were not excluded"
    assert not list(folder.rglob("libQt6WebEngine*")) and not list(folder.rglob("libQt6Qml*"))
