"""The MiniLM clue: phrases, the shared sentence encoder, a tiny model trained and run with it."""

import numpy as np
import pytest

from engines.core.jobs import collect, run_job
from engines.diffusion.minilm_clue import phrase_vectors, split_phrases


def test_captions_are_cut_into_their_phrases():
    text = "a smiling square face with dark skin, grey hair and green eyes, wearing glasses, on a pink background"
    assert split_phrases(text) == ["a smiling square face", "dark skin", "grey hair", "green eyes",
                                   "wearing glasses", "on a pink background"]
    assert split_phrases("") == []
    # typed without commas, a caption splits like the training captions
    assert split_phrases("a face wearing a red hat on a pink background") == ["a face", "wearing a red hat",
                                                                              "on a pink background"]
    assert split_phrases("A  Beaming face!") == ["a beaming face"]


def test_phrase_vectors_are_the_embeddings_tabs_minilm_exactly():
    from engines.embeddings.minilm import load_minilm

    phrases = ["a red hat", "grey hair", "a red hat"]
    mine = phrase_vectors(phrases)
    theirs = load_minilm("int8", "onnx").encode(phrases)
    assert mine.shape == (3, 384)
    np.testing.assert_array_equal(mine, theirs)  # one implementation: the same numbers, not a copy


def test_minilm_reads_new_words_by_meaning_not_spelling():
    # what the Steer page shows: the nearest training phrase to a phrase no caption had
    hair = ["black hair", "brown hair", "blonde hair", "red hair", "grey hair"]
    for phrase, meant in (("gray hair", "grey hair"), ("ginger hair", "red hair"), ("golden hair", "blonde hair")):
        cos = phrase_vectors([phrase]) @ phrase_vectors(hair).T
        assert hair[int(np.argmax(cos))] == meant, phrase


def test_a_tiny_minilm_model_trains_saves_and_runs_the_same_in_onnx(tmp_path):
    from engines.diffusion.onnx_export import export_model_folder
    from engines.diffusion.pipeline import load_diffusion_model
    from engines.diffusion.train import TrainConfig, train_job
    from engines.diffusion.train_data import TrainData, _ids

    captions = ["a red hat", "a blue hat, on a pink background", "grey hair"]
    vocab = sorted({p for c in captions for p in split_phrases(c)})
    rng = np.random.default_rng(0)
    data = TrainData(rng.uniform(-1, 1, (3, 3, 16, 16)).astype(np.float32),
                     _ids(captions, vocab, 8, split_phrases)[:, None], vocab, captions[:2])
    cfg = TrainConfig(dataset="faces", out=str(tmp_path / "m"), image_size=16, channels=(8, 16, 16), d_model=16,
                      time_dim=32, encoder_layers=1, batch_size=4, sample_every_s=0, checkpoint_every_s=0,
                      device="cpu", word_source="minilm", max_steps=3, progress_every=1)
    _, result = collect(train_job(cfg, data=data))
    export_model_folder(result.folder)
    torch_model = load_diffusion_model(result.folder, "torch")
    onnx_model = load_diffusion_model(result.folder, "onnx")
    assert torch_model.config["word_source"] == "minilm" and torch_model.name == "faces-minilm"
    enc = torch_model.runner.encoder
    assert float(enc.in_scale) != 1.0 and float(np.abs(enc.in_centre.numpy()).sum()) > 0  # normalisation was set
    prompts = ["a crimson hat", "", "a blue hat, on a pink background"]
    a, b = torch_model.encode(prompts), onnx_model.encode(prompts)
    np.testing.assert_allclose(a.tokens, b.tokens, atol=1e-4)
    assert a.new_words[0][0][:2] == ("a crimson hat", "a red hat")  # the nearest training phrase
    assert a.mask[1].sum() == 1  # the empty caption is only the start token: the "no clue" input
    from engines.diffusion.sample import SampleSettings, sample_job

    out = run_job(sample_job(onnx_model, SampleSettings(("a crimson hat",), seed=0, steps=3)))
    assert out.shape == (1, 3, 16, 16) and np.isfinite(out).all()


def test_the_shipped_minilm_model_knows_every_phrase_of_its_training_captions():
    import json

    from engines.core.paths import assets_dir
    from engines.diffusion import faces

    path = assets_dir() / "diffusion" / "faces-minilm" / "config.json"
    if not path.is_file():
        pytest.skip("the MiniLM faces model is not built")
    vocab = set(json.loads(path.read_text(encoding="utf-8"))["vocab"])
    rng = np.random.default_rng(0)
    for _ in range(500):
        attrs = faces.random_attributes(rng)
        for caption in (faces.caption_for(attrs), faces.caption_for(attrs, rng, 0.5)):
            assert set(split_phrases(caption)) <= vocab, caption
