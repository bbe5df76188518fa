import numpy as np

from engines.diffusion import faces
from engines.diffusion.captions import tokenize


def test_faces_are_deterministic_for_a_seed():
    a = faces.generate_faces(12, seed=5)
    b = faces.generate_faces(12, seed=5)
    c = faces.generate_faces(12, seed=6)
    assert a.images.shape == (12, 32, 32, 3) and a.images.dtype == np.uint8
    assert np.array_equal(a.images, b.images) and np.array_equal(a.labels, b.labels) and a.captions == b.captions
    assert not np.array_equal(a.images, c.images)


def test_captions_say_what_is_drawn():
    fs = faces.generate_faces(40, seed=1)
    for i, caption in enumerate(fs.captions):
        attrs = fs.attributes(i)
        assert f"{attrs['skin']} skin" in caption
        assert f"{attrs['hair']} hair" in caption
        assert f"{attrs['eyes']} eyes" in caption
        assert f"on a {attrs['background']} background" in caption
        assert (f" {attrs['face_shape']} face" in caption)
        assert ("glasses" in caption) == attrs["glasses"]
        if attrs["hat"] == "none":
            assert "hat" not in caption
        else:
            assert f"a {attrs['hat']} hat" in caption
        words = tokenize(caption)
        assert ("smiling" in words) == (attrs["mouth"] == "smiling")
        assert ("frowning" in words) == (attrs["mouth"] == "frowning")
        assert ("open" in words) == (attrs["mouth"] == "open")


def test_what_is_drawn_changes_the_pixels():
    rng = np.random.default_rng(0)
    attrs = faces.random_attributes(rng)
    attrs.update(hat="none", background="white")
    plain = faces.draw_face(attrs, np.random.default_rng(1)).astype(int)
    hatted = faces.draw_face({**attrs, "hat": "red"}, np.random.default_rng(1)).astype(int)
    blue = faces.draw_face({**attrs, "background": "blue"}, np.random.default_rng(1)).astype(int)
    top = slice(0, 12)
    assert (hatted[top, :, 0] - hatted[top, :, 1]).max() > 150, "a red hat shows red at the top"
    assert np.abs(plain[0, 0] - blue[0, 0]).sum() > 60, "the background colour shows in the corner"


def test_held_out_pairs_never_appear_in_training_data_and_always_in_evaluation_data():
    train = faces.generate_faces(300, seed=2, holdout="exclude")
    assert not any(faces.is_held_out(train.attributes(i)) for i in range(300))
    test = faces.generate_faces(30, seed=3, holdout="only")
    assert all(faces.is_held_out(test.attributes(i)) for i in range(30))


def test_shortened_captions_only_leave_things_out():
    rng = np.random.default_rng(4)
    for _ in range(50):
        attrs = faces.random_attributes(rng)
        full = set(tokenize(faces.caption_for(attrs)))
        short = set(tokenize(faces.caption_for(attrs, rng, drop=0.5)))
        assert short <= full | {"a", "an"}
    vocab = set(faces.caption_vocabulary())
    assert {"smiling", "glasses", "hat", "background"} <= vocab
    from engines.diffusion.synonym_prompts import NEW_WORDS, SYNONYM_PROMPTS

    assert not set(NEW_WORDS) & vocab  # the held-out words really are absent from training captions
    for prompt, attr, _ in SYNONYM_PROMPTS:  # and every prompt uses at least one of them
        assert set(tokenize(prompt)) & set(NEW_WORDS), prompt
        assert attr in faces.ATTRIBUTES


def test_digits_are_upsampled_with_captions():
    from engines.diffusion.digits_data import digit_from_prompt, load_captioned_digits, upsample

    d = load_captioned_digits("test", 32)
    assert d.images.shape[1:] == (1, 32, 32)
    assert -1.0 <= d.images.min() and d.images.max() <= 1.0
    assert d.captions[0] == f"the digit {['zero','one','two','three','four','five','six','seven','eight','nine'][d.labels[0]]}"
    assert digit_from_prompt("the digit seven") == 7 and digit_from_prompt("a 3") == 3
    flat = upsample(np.ones((1, 8, 8), np.float32), 32)
    assert np.allclose(flat, 1.0)


def test_synonym_reading_says_which_value_the_word_vector_lies_nearest():
    """The evaluation explains each synonym score by the word vectors: GloVe 50-d puts "grinning" next to
    "smiling" but "crimson" nearer "purple" than "red" — a faithful model then draws a purple hat."""
    import pytest

    from engines.diffusion.attributes import synonym_reading
    from engines.diffusion.captions import load_glove
    from engines.diffusion.pipeline import load_diffusion_model, resolve_model_path

    if load_glove() is None or not (resolve_model_path("faces") / "config.json").is_file():
        pytest.skip("the shipped faces model or GloVe is not present")
    model = load_diffusion_model("faces", "onnx")
    grin = synonym_reading(model, "a grinning face", "mouth")
    assert grin["word"] == "grinning" and grin["nearest"] == "smiling"
    crimson = synonym_reading(model, "a face wearing a crimson hat", "hat")
    assert crimson["nearest"] == "purple" and crimson["cosines"]["purple"] > crimson["cosines"]["red"]
    assert "none" not in crimson["cosines"]
    assert synonym_reading(model, "a face wearing a red hat", "hat") is None  # nothing new in it
