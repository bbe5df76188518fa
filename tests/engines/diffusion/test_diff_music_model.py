"""The music model makes clips of the right length with finite samples; the CLI writes WAV, PNG and JSON."""

from __future__ import annotations

import json

import numpy as np
import pytest

from engines.core.jobs import collect
from engines.diffusion import audio
from engines.diffusion.music_model import MusicFrame, generate_job, shipped_folder, tiny_model

torch = pytest.importorskip("torch")
torch.set_num_threads(1)


def _model():
    """The shipped model when it has been trained (ONNX), else a tiny untrained one."""
    if (shipped_folder() / "model.onnx").is_file():
        from engines.diffusion.music_model import load_music_model

        return load_music_model()
    return tiny_model()


def test_generation_gives_a_two_second_finite_clip_with_live_frames():
    events, result = collect(generate_job(_model(), "an edm track at 128 bpm", seed=4, steps=6, iterations=20))
    frames = [e.payload for e in events if isinstance(getattr(e, "payload", None), MusicFrame)]
    assert len(frames) == 6 and frames[-1].guess.shape == (64, 64)
    assert result.picture.shape == (64, 64) and np.isfinite(result.picture).all()
    assert result.audio.shape == (audio.CLIP_SAMPLES,) and result.audio.dtype == np.float32
    assert np.isfinite(result.audio).all() and np.abs(result.audio).max() <= 1.0
    _, again = collect(generate_job(_model(), "an edm track at 128 bpm", seed=4, steps=6, iterations=20))
    np.testing.assert_array_equal(result.picture, again.picture)  # same seed, same clip


def test_a_style_mix_uses_both_captions():
    model = _model()
    _, plain = collect(generate_job(model, "an edm track", seed=1, steps=4, iterations=5))
    _, mixed = collect(generate_job(model, "an edm track", seed=1, steps=4, mix=("a classical piece", 0.5), iterations=5))
    assert not np.allclose(plain.picture, mixed.picture)


@pytest.fixture
def tiny_folder(tmp_path):
    from engines.diffusion.pipeline import save_diffusion_model

    model = tiny_model()
    folder = tmp_path / "tiny-music"
    save_diffusion_model(folder, model.runner.unet, model.runner.encoder, model.prompt_vectors.table, model.config)
    return folder


def test_cli_music_and_spectrogram(tiny_folder, tmp_path, capsys):
    from engines.diffusion.__main__ import main
    from engines.diffusion.png import read_png

    wav, png = tmp_path / "clip.wav", tmp_path / "clip.png"
    assert main(["music", "--model", str(tiny_folder), "--backend", "torch", "--prompt", "a jazz tune", "--seed", "2",
                 "--steps", "3", "--iterations", "5", "--out", str(wav), "--png", str(png), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["seconds_of_audio"] == pytest.approx(audio.CLIP_SAMPLES / audio.SAMPLE_RATE)
    samples, info = audio.read_wav(wav)
    assert len(samples) == audio.CLIP_SAMPLES and info.sample_rate == 16000
    image, meta = read_png(png)
    assert image.shape == (256, 256, 3) and meta["prompt"] == "a jazz tune"

    out = tmp_path / "spec.png"
    assert main(["spectrogram", "--wav", str(wav), "--out", str(out), "--rebuilt", str(tmp_path / "re.wav"),
                 "--iterations", "10", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["frames"] == 64 and report["bands"] == 64 and 0 <= report["spectral_convergence"] < 1.5
    assert (tmp_path / "re.wav").is_file()


def test_cli_refuses_a_bad_wav_in_one_line(tmp_path, capsys):
    from engines.diffusion.__main__ import main

    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"")
    assert main(["spectrogram", "--wav", str(bad), "--out", str(tmp_path / "x.png")]) == 2
    assert "empty" in capsys.readouterr().err


def test_a_retrained_music_model_replaces_its_old_weights_in_the_cache(tmp_path):
    """Like the diffusion model store: each retraining loaded the new weights beside the old ones, for good."""
    import os
    import shutil

    from engines.diffusion import music_model

    if not (shipped_folder() / "model.onnx").is_file():
        pytest.skip("no shipped music model")
    folder = tmp_path / "my-music"
    shutil.copytree(shipped_folder(), folder, ignore=shutil.ignore_patterns("judge"))
    weights = folder / "model.safetensors"
    models = []
    for round_ in range(2):
        os.utime(weights, ns=(weights.stat().st_atime_ns, weights.stat().st_mtime_ns + 10**9 * (round_ + 1)))
        models.append(music_model.cached_music_model(folder))
        assert music_model.cached_music_model(folder) is models[-1]  # still cached while unchanged
    assert models[0] is not models[1]
    assert [k for k in music_model._cache if k[0] == str(folder)] == [(str(folder), "onnx", weights.stat().st_mtime_ns)]
