import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run(*args, timeout=120):
    return subprocess.run([sys.executable, "-m", "engines.core", *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=timeout)


def test_info_json_names_device_and_backend():
    proc = run("info", "--device", "cpu", "--json")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["device"] == "CPU" and report["backend"] == "onnx"
    assert report["versions"]["Python"].startswith(f"{sys.version_info.major}.{sys.version_info.minor}")


def test_verify_assets_passes_on_the_shipped_assets():
    proc = run("verify-assets", "--json")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert set(json.loads(proc.stdout).values()) == {"ok"}


def test_demo_job_counts_with_a_progress_bar():
    proc = run("demo-job", "--steps", "5", "--delay", "0")
    assert proc.returncode == 0
    assert "5/5" in proc.stderr and proc.stdout.strip() == "counted to 5"
