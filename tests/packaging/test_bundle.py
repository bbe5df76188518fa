"""Build the lite PyInstaller bundle and run the frozen app's ``--smoke-test`` (slow: ~1.5-3 min).

Needs PyInstaller (``pip install "pyinstaller>=6.10"``). Runs the binary under the current Qt platform
(xcb on the Xvfb that pytest-xvfb starts) and offscreen; fails on any output that is not a check line or a
known-harmless Qt message, proves the lite bundle has no torch, checks its size and what issue #8 dropped
(unused Qt parts, torch-only model files) and that the assets it ships verify against its manifest.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
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


# Measured 257 MB (246 MiB, ``du -sh``) on Linux x86-64 with the ICU data stub; 332 MiB before issue #8.
# Issue #17 adds the int8 sentence encoder (assets/embeddings/minilm, 23.5 MB): expected ~281 MB (not yet built).
# The limit is the one the issues set for lite: under 300 MB.
LITE_MAX_BYTES = 300e6


def test_lite_bundle_size(lite_bundle):
    folder, _ = lite_bundle
    size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())
    print(f"lite bundle: {size / 1e6:.0f} MB")
    limit = LITE_MAX_BYTES
    if shutil.which("cc") is None and shutil.which("gcc") is None and shutil.which("clang") is None:
        limit += 32e6  # no C compiler: build.spec keeps Qt's real ICU data (~31 MB)
    assert size < limit, f"lite bundle is {size / 1e6:.0f} MB, over {limit / 1e6:.0f} MB"
    assert not list(folder.rglob("translations/*.qm")), "Qt translations were not excluded"
    assert not list(folder.rglob("libQt6WebEngine*")) and not list(folder.rglob("libQt6Qml*"))


def test_lite_bundle_drops_unused_qt_parts(lite_bundle):
    folder, _ = lite_bundle
    internal = folder / "_internal"
    plugins = internal / "PySide6" / "Qt" / "plugins"
    for unused in ("libQt6Network*", "libQt6Test*", "libQt6EglF*", "QtNetwork.*.so", "QtTest.*.so", "libqgtk3.so",
                   "libqeglfs.so", "libqvnc.so", "libqlinuxfb.so", "libqtiff.so", "libqwebp.so",
                   "libcairo.so*", "libpango-1.0.so*", "libgdk_pixbuf*", "libkrb5.so*"):
        assert not list(internal.rglob(unused)), f"{unused} is still in the lite bundle"
    # what the app needs stays: xcb / wayland / offscreen, the xcb GL integrations, png-jpeg-gif-svg, QtOpenGL
    for needed in ("platforms/libqxcb.so", "platforms/libqoffscreen.so", "platforms/libqwayland.so",
                   "xcbglintegrations/libqxcb-glx-integration.so", "imageformats/libqjpeg.so",
                   "imageformats/libqgif.so", "imageformats/libqsvg.so"):
        assert (plugins / needed).is_file(), f"{needed} is missing"
    assert list(internal.rglob("QtOpenGL.*")) and list(internal.rglob("libQt6XcbQpa.so*"))
    assert list(internal.rglob("libQt6DBus.so*"))


def test_lite_bundle_assets(lite_bundle):
    """Lite leaves out torch-only model files; whatever it ships still matches its manifest."""
    folder, _ = lite_bundle
    from engines.core.assets import AssetRegistry

    assets = folder / "_internal" / "assets"
    assert not list(assets.glob("llm/*/model.safetensors")), "LLM torch weights are in the lite bundle"
    assert not list(assets.glob("diffusion/*/judge/*")), "diffusion judges (torch) are in the lite bundle"
    for name in ("faces", "digits"):
        model = assets / "diffusion" / name
        assert (model / "model.onnx").is_file() and (model / "encoder.onnx").is_file()
        assert (model / "model.safetensors").stat().st_size < 100_000, "the word table only, in lite"
    for name in ("story-gpt", "story-sft", "story-dpo", "story-rlhf", "moby-gpt"):
        assert (assets / "llm" / name / "model.onnx").is_file(), name

    registry = AssetRegistry(assets)
    data = json.loads((assets / "manifest.json").read_text(encoding="utf-8"))["assets"]
    for name, status in registry.verify_all().items():
        if (assets / name).is_file():
            assert status == "ok", f"{name}: {status}"  # shipped (some rewritten for lite): verified
        else:
            assert "not in the lite build" in data[name].get("lite", ""), f"{name} is missing: {status}"
    assert "assistant_table" in data["llm/story-rlhf/model.safetensors"]["metrics"]  # the Assistant page reads it
