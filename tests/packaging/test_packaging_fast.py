"""Fast packaging checks: ``--smoke-test`` from source (full and lite-simulated) and install.sh into a temp HOME."""

from __future__ import annotations

import configparser
import os
import shutil
import subprocess
import sys

import pytest
from packaging_helpers import ROOT, judge, run_smoke, smoke_env

from lab_app import APP_ID

PLATFORM = os.environ.get("QT_QPA_PLATFORM", "offscreen")


def test_smoke_test_from_source(tmp_path):
    proc = run_smoke([sys.executable, "-m", "lab_app", "--smoke-test"], smoke_env(PLATFORM, tmp_path))
    judge(proc, lite=not _torch_installed())


def test_smoke_test_from_source_without_torch(tmp_path):
    """The lite build's behaviour, from source: torch hidden, training checks skipped, nothing fails."""
    env = smoke_env(PLATFORM, tmp_path, AI_LAB_SMOKE_NO_TORCH="1")
    judge(run_smoke([sys.executable, "-m", "lab_app", "--smoke-test"], env), lite=True)


def _torch_installed() -> bool:
    import importlib.util

    return importlib.util.find_spec("torch") is not None


def _fake_bundle(tmp_path):
    bundle = tmp_path / "unpacked" / "ai-lab"
    (bundle / "_internal" / "assets").mkdir(parents=True)
    shutil.copytree(ROOT / "assets" / "icons", bundle / "_internal" / "assets" / "icons")
    exe = bundle / "ai-lab"
    exe.write_text("#!/bin/sh\necho ai-lab 0.0.0\n")
    exe.chmod(0o755)
    return bundle


def test_install_sh_into_temp_home(tmp_path):
    bundle = _fake_bundle(tmp_path)
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("XDG_")}
    env.update({"HOME": str(home), "BUNDLE": str(bundle)})
    env.pop("PREFIX", None)
    script = ROOT / "packaging" / "linux" / "install.sh"
    proc = subprocess.run(["sh", str(script)], env=env, capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr

    local = home / ".local"
    app = local / "share" / "ai-lab" / "ai-lab"
    assert app.is_file() and os.access(app, os.X_OK)
    link = local / "bin" / "ai-lab"
    assert link.is_symlink() and link.resolve() == app.resolve()
    assert subprocess.run([str(link)], capture_output=True, text=True, check=False).stdout.startswith("ai-lab")

    desktop = local / "share" / "applications" / f"{APP_ID}.desktop"  # basename = QApplication desktop file name
    assert desktop.is_file()
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str
    entry.read(desktop)
    section = entry["Desktop Entry"]
    assert section["Type"] == "Application"
    assert section["Exec"] == str(app)
    assert section["Icon"] == APP_ID
    assert section["Terminal"] == "false"
    if shutil.which("desktop-file-validate"):
        check = subprocess.run(["desktop-file-validate", str(desktop)], capture_output=True, text=True, check=False)
        assert check.returncode == 0, check.stdout + check.stderr

    icons = local / "share" / "icons" / "hicolor"
    for size in (16, 32, 48, 64, 128, 256):
        assert (icons / f"{size}x{size}" / "apps" / f"{APP_ID}.png").is_file(), size
    assert (icons / "scalable" / "apps" / f"{APP_ID}.svg").is_file()

    # Installing again replaces the old copy; uninstalling removes everything it put there.
    assert subprocess.run(["sh", str(script)], env=env, capture_output=True, check=False).returncode == 0
    proc = subprocess.run(["sh", str(script), "--uninstall"], env=env, capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    assert not app.exists() and not link.exists() and not desktop.exists()
    assert not (icons / "scalable" / "apps" / f"{APP_ID}.svg").exists()


def test_install_sh_prefix_override(tmp_path):
    bundle = _fake_bundle(tmp_path)
    prefix = tmp_path / "prefix"
    env = dict(os.environ, HOME=str(tmp_path / "nohome"), PREFIX=str(prefix), BUNDLE=str(bundle))
    proc = subprocess.run(["sh", str(ROOT / "packaging" / "linux" / "install.sh")], env=env,
                          capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    assert (prefix / "bin" / "ai-lab").is_symlink()
    assert (prefix / "share" / "applications" / "ai-lab.desktop").is_file()
    assert (prefix / "share" / "icons" / "hicolor" / "48x48" / "apps" / "ai-lab.png").is_file()
    assert not (tmp_path / "nohome").exists()


def test_desktop_file_in_repo_matches_app_id():
    desktop = ROOT / "packaging" / "linux" / f"{APP_ID}.desktop"
    text = desktop.read_text()
    assert "\nIcon=ai-lab\n" in text and "\nExec=ai-lab\n" in text


@pytest.mark.parametrize("script", ["packaging/linux/install.sh", "packaging/make_release.sh"])
def test_shell_scripts_parse(script):
    assert subprocess.run(["sh", "-n", str(ROOT / script)], check=False).returncode == 0
