"""Fine-tuning with caption mixes: the mixed rows are real blends of two styles, captioned with both captions'
numbers at the blend's weight, and a fine-tune without the tempo clue saves a plain model."""

from __future__ import annotations

import json

import numpy as np
import pytest

from engines.core.jobs import collect

torch = pytest.importorskip("torch")
torch.set_num_threads(1)


def _data():
    from engines.diffusion.music import make_dataset
    from engines.diffusion.music_data import train_data
    from engines.diffusion.music_judge import render_pictures

    songs = make_dataset(8, seed=5)
    return songs, render_pictures(songs), train_data(songs, render_pictures(songs))


def test_mixed_rows_are_blends_of_two_styles_with_their_weights():
    from engines.diffusion.music import NOUNS, STYLES
    from engines.diffusion.music_finetune import _Mixer
    from engines.diffusion.music_judge_blend import mix_pictures
    from engines.diffusion.train_data import _ids

    songs, _, data = _data()
    ids_all = torch.from_numpy(data.caption_ids)
    mixer = _Mixer(songs, data.vocab, ids_all.shape[2], seed=0)
    idx, k = torch.arange(8), torch.zeros(8, dtype=torch.int64)
    ids = ids_all[idx, k]
    mixed, ids_a, ids_b, w, pics = mixer.draw(idx, k, ids, torch.zeros(8, dtype=torch.bool), 1.0, data.images, ids_all)
    assert bool(mixed.all()) and ((w >= 0) & (w <= 1)).all()
    bare = {STYLES.index(s): _ids([("an " if NOUNS[s][0] in "aeiou" else "a ") + NOUNS[s]], data.vocab,
                                  ids_all.shape[2])[0] for s in STYLES}
    for row in range(8):
        own = mixer.styles[row]
        # the partner is another style's clip: find it by its blend (one of the 8 clips reproduces the picture)
        fits = [j for j in range(8) if np.allclose(mix_pictures(data.images[[row]], data.images[[j]], w[[row]])[0],
                                                   pics[row], atol=1e-5)]
        assert fits and all(mixer.styles[j] != own for j in fits)
        if np.array_equal(ids_a[row].numpy(), bare[own]):  # the bare-caption half: both sides bare
            assert any(np.array_equal(ids_b[row].numpy(), v) for s, v in bare.items() if s != own)
        else:
            assert np.array_equal(ids_a[row].numpy(), ids[row].numpy())
    _, _, _, _, again = mixer.draw(idx, k, ids, torch.ones(8, dtype=torch.bool), 1.0, data.images, ids_all)
    assert again.shape == pics.shape
    nothing, *_ = mixer.draw(idx, k, ids, torch.zeros(8, dtype=torch.bool), 0.0, data.images, ids_all)
    assert not bool(nothing.any())


def test_a_mix_fine_tune_without_the_tempo_clue_saves_a_plain_model(tmp_path):
    from engines.core.model_io import save_model
    from engines.diffusion.music_finetune import finetune_job
    from engines.diffusion.music_model import MusicDiffusionModel, generate_job, load_music_model, tiny_model
    from engines.diffusion.pipeline import ARCHITECTURE, model_tensors

    model = tiny_model()
    words = model.prompt_vectors.table
    save_model(tmp_path / "start", model_tensors(model.runner.unet, model.runner.encoder, words.vectors),
               {**model.config, "vocab": list(words.words), "word_source": words.source}, ARCHITECTURE)
    songs, pics, _ = _data()
    _, result = collect(finetune_job(tmp_path / "start", tmp_path / "tuned", songs, pics, minutes=0.05, batch_size=4,
                                     mix_prob=0.5, tempo=False, save_every_s=1e9))
    assert result["steps"] > 0 and np.isfinite(result["loss"])
    config = json.loads((tmp_path / "tuned" / "config.json").read_text(encoding="utf-8"))
    assert "tempo" not in config and config["finetune"]["mix_prob"] == 0.5 and config["finetune"]["tempo_clue"] is False
    tuned = load_music_model(tmp_path / "tuned", "torch")
    assert not isinstance(tuned, MusicDiffusionModel)  # no tempo.* tensors: the plain model
    _, clip = collect(generate_job(tuned, "a rock song in the style of a jazz tune", seed=0, steps=2, iterations=2))
    assert np.isfinite(clip.audio).all()
