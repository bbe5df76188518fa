"""The tempo clue: the bpm read from a caption, a zero-initialised network that changes nothing until trained,
old model files that still load, and a fine-tune that teaches it something."""

from __future__ import annotations

import json

import numpy as np
import pytest

from engines.core.jobs import collect
from engines.diffusion.music_tempo import TempoClue, parse_bpm, prompt_bpms, tempo_features

torch = pytest.importorskip("torch")
torch.set_num_threads(1)


def test_the_bpm_is_read_from_the_caption():
    assert parse_bpm("an edm track at 128 bpm in a minor key") == 128.0
    assert parse_bpm("A ROCK SONG AT 140BPM") == 140.0
    assert parse_bpm("a jazz tune at 97.5 bpm") == 97.5
    assert parse_bpm("a slow classical piece in a minor key") is None
    assert parse_bpm("") is None
    assert parse_bpm("a rock song at 9999 bpm") is None  # not a tempo anyone plays
    b = prompt_bpms(["a jazz tune at 100 bpm", "a jazz tune"])
    assert b[0] == 100.0 and np.isnan(b[1])


def test_tempo_features_are_smooth_and_zero_without_a_tempo():
    f = tempo_features([120.0, 124.0, 70.0, np.nan])
    assert np.linalg.norm(f[0] - f[1]) < np.linalg.norm(f[0] - f[2])  # near tempi look alike
    assert not f[3].any()


def _tiny_with(tempo_module):
    from engines.diffusion.music_model import tiny_model, with_tempo
    from engines.diffusion.music_tempo import module_tensors

    return tiny_model(), with_tempo(tiny_model(), TempoClue(module_tensors(tempo_module)))


def test_a_zero_initialised_tempo_clue_leaves_the_model_unchanged():
    from engines.diffusion.music_model import generate_job
    from engines.diffusion.music_tempo import build_tempo_module

    plain, tempo = _tiny_with(build_tempo_module(16))
    prompt = "an edm track at 128 bpm"
    a, b = plain.encode([prompt, ""]), tempo.encode([prompt, ""])
    np.testing.assert_array_equal(a.tokens, b.tokens)
    np.testing.assert_array_equal(a.pooled, b.pooled)
    _, ra = collect(generate_job(plain, prompt, seed=3, steps=4, iterations=5))
    _, rb = collect(generate_job(tempo, prompt, seed=3, steps=4, iterations=5))
    np.testing.assert_array_equal(ra.picture, rb.picture)


def test_a_trained_tempo_clue_moves_only_captions_that_name_a_bpm():
    from engines.diffusion.music_tempo import build_tempo_module

    module = build_tempo_module(16)
    with torch.no_grad():
        module[2].weight.normal_(0, 0.5)
    plain, tempo = _tiny_with(module)
    prompts = ["an edm track at 128 bpm", "an edm track at 90 bpm", "an edm track", ""]
    a, b = plain.encode(prompts), tempo.encode(prompts)
    moved = np.abs(a.pooled - b.pooled).max(axis=1)
    assert moved[0] > 1e-3 and moved[1] > 1e-3 and moved[2] == 0 and moved[3] == 0
    assert not np.allclose(b.pooled[0], b.pooled[1])  # two tempi, two clues
    np.testing.assert_array_equal(b.tokens[:, 0], b.pooled)  # start token and pooled vector move together
    np.testing.assert_array_equal(a.tokens[:, 1:], b.tokens[:, 1:])  # the words themselves are untouched


def _save(folder, model, extra=None):
    from engines.core.model_io import save_model
    from engines.diffusion.pipeline import ARCHITECTURE, model_tensors

    words = model.prompt_vectors.table
    tensors = model_tensors(model.runner.unet, model.runner.encoder, words.vectors)
    tensors.update(extra or {})
    save_model(folder, tensors, {**model.config, "vocab": list(words.words), "word_source": words.source}, ARCHITECTURE)
    return folder


def test_old_model_files_without_a_tempo_clue_still_load(tmp_path):
    from engines.diffusion.music_model import MusicDiffusionModel, generate_job, load_music_model, tiny_model
    from engines.diffusion.music_tempo import build_tempo_module, module_tensors
    from engines.diffusion.pipeline import load_torch_modules

    old = load_music_model(_save(tmp_path / "old", tiny_model()), "torch")
    assert not isinstance(old, MusicDiffusionModel)
    _, clip = collect(generate_job(old, "a rock song at 120 bpm", seed=0, steps=2, iterations=2))
    assert np.isfinite(clip.audio).all()
    new_folder = _save(tmp_path / "new", tiny_model(), module_tensors(build_tempo_module(16)))
    assert isinstance(load_music_model(new_folder, "torch"), MusicDiffusionModel)
    load_torch_modules(new_folder)  # the shared loader ignores the tempo.* tensors


def test_fine_tuning_teaches_the_tempo_clue(tmp_path):
    from engines.diffusion.music import make_dataset
    from engines.diffusion.music_finetune import finetune_job
    from engines.diffusion.music_judge import render_pictures
    from engines.diffusion.music_model import load_music_model, tiny_model

    start = _save(tmp_path / "start", tiny_model())
    songs = make_dataset(8, seed=5)
    _, result = collect(finetune_job(start, tmp_path / "tuned", songs, render_pictures(songs), minutes=0.05,
                                     batch_size=4, tempo_lr=1e-2, uncond_prob=0.0, save_every_s=1e9))
    assert result["steps"] > 0 and np.isfinite(result["loss"])
    model = load_music_model(tmp_path / "tuned", "torch")
    v = model.tempo.vectors(np.array([80.0, 140.0, np.nan]))
    assert np.abs(v[0]).max() > 0 and not np.allclose(v[0], v[1]) and not v[2].any()
    # carrying on from the fine-tuned folder keeps what its tempo clue learned (0 more minutes: the same clue)
    # and both runs in the record
    _, again = collect(finetune_job(tmp_path / "tuned", tmp_path / "again", songs, render_pictures(songs), minutes=0,
                                    save_every_s=1e9))
    assert again["steps"] == 0
    np.testing.assert_allclose(load_music_model(tmp_path / "again", "torch").tempo.vectors(np.array([80.0])), v[:1],
                               rtol=1e-5, atol=1e-7)
    runs = json.loads((tmp_path / "again" / "config.json").read_text(encoding="utf-8"))["finetune_runs"]
    assert [r["steps"] for r in runs] == [result["steps"], 0]


def test_a_mix_keeps_a_tempo_named_by_one_caption_whole():
    from engines.diffusion.music_model import mixed_conditioning
    from engines.diffusion.music_tempo import build_tempo_module, mixed_bpm

    assert mixed_bpm(120.0, None, 0.5) == 120.0 and np.isnan(mixed_bpm(None, None, 0.3))
    assert 90.0 < mixed_bpm(60.0, 180.0, 0.5) < 120.0  # half-way on a log scale (√(60·180) ≈ 104)
    module = build_tempo_module(16)
    with torch.no_grad():
        module[2].weight.normal_(0, 0.5)
    _, model = _tiny_with(module)
    same = mixed_conditioning(model, "a rock song at 120 bpm", "a rock song", 0.5)
    whole = model.encode(["a rock song at 120 bpm"])
    words_only = mixed_conditioning(model, "a rock song at 120 bpm", "a rock song", 0.0)
    np.testing.assert_allclose(words_only.pooled, whole.pooled, atol=1e-6)
    assert np.abs(same.pooled - model.encode(["a rock song"]).pooled).max() > 1e-3  # the tempo is still there


def test_in_the_style_of_is_read_as_the_half_way_mix():
    from engines.diffusion.music_model import generate_job, split_style_of, tiny_model

    assert split_style_of("an edm track in the style of a classical piece") == ("an edm track", "a classical piece")
    assert split_style_of("an edm track at 128 bpm") is None
    model = tiny_model()
    events, worded = collect(generate_job(model, "an edm track in the style of a jazz tune", seed=2, steps=3,
                                          iterations=2))
    _, slider = collect(generate_job(model, "an edm track", seed=2, steps=3, mix=("a jazz tune", 0.5), iterations=2))
    np.testing.assert_array_equal(worded.picture, slider.picture)
    assert any("half-way mix" in getattr(e, "text", "") for e in events)
