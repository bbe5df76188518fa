"""Nothing lost: a process killed in the middle of writing a checkpoint leaves the previous one whole."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from engines.core.model_io import atomic_write_json, load_tensors, save_tensors

ROOT = Path(__file__).resolve().parents[2]
N = 4_000_000  # 16 MB of float32 per write: long enough to be caught half-way

WRITER = textwrap.dedent("""
    import sys
    import numpy as np
    from engines.core.model_io import atomic_write_json, save_tensors
    path, n = sys.argv[1], int(sys.argv[2])
    i = 0
    while True:
        i += 1
        save_tensors(path, {"w": np.full(n, float(i), np.float32), "step": np.array([i])})
        atomic_write_json(path + ".json", {"step": i, "pad": "x" * 100_000})
""")


def _check_whole(path: Path, previous_step: float) -> float:
    tensors = load_tensors(path)
    step = float(tensors["step"][0])
    assert tensors["w"].shape == (N,)
    assert np.all(tensors["w"] == step)  # every value from one and the same save
    assert step >= previous_step
    return step


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_killing_a_writer_mid_save_leaves_the_previous_checkpoint_intact(tmp_path):
    import json

    path = tmp_path / "model.safetensors"
    save_tensors(path, {"w": np.zeros(N, np.float32), "step": np.array([0])})
    atomic_write_json(str(path) + ".json", {"step": 0})
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    last = 0.0
    caught_mid_write = 0
    for delay in (0.35, 0.6, 0.9):
        child = subprocess.Popen([sys.executable, "-c", WRITER, str(path), str(N)], env=env, cwd=ROOT)
        try:
            deadline = time.monotonic() + delay + 10
            started = time.monotonic()
            # kill it while a temporary file is being written (or after the delay if we never see one)
            while time.monotonic() < deadline:
                writing = list(tmp_path.glob(".model.safetensors.*.tmp"))
                if writing and time.monotonic() - started > delay:
                    caught_mid_write += 1
                    break
                time.sleep(0.005)
            child.send_signal(signal.SIGKILL)
        finally:
            child.wait(5)
        assert child.returncode == -signal.SIGKILL
        last = _check_whole(path, last)
        json.loads((tmp_path / "model.safetensors.json").read_text())  # the settings-style JSON too
    assert caught_mid_write >= 1, "the writer was never caught in the middle of a write"
    # leftovers are only hidden temporary files, never a half-written file under the real name
    others = {p.name for p in tmp_path.iterdir()} - {"model.safetensors", "model.safetensors.json"}
    assert all(name.startswith(".") and name.endswith(".tmp") for name in others)
