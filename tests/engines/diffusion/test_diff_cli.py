import json

import numpy as np
import pytest

from engines.diffusion.__main__ import main
from engines.diffusion.png import read_png, write_png


@pytest.mark.parametrize("backend", ["torch", "onnx"])
def test_sample_writes_a_png_with_its_settings(tiny_model_folder, tmp_path, capsys, backend):
    out = tmp_path / f"sample-{backend}.png"
    code = main(["sample", "--model", str(tiny_model_folder), "--prompt", "a red square", "--seed", "5",
                 "--steps", "4", "--guidance", "2.5", "--backend", backend, "--out", str(out), "--json"])
    assert code == 0
    report = json.loads(capsys.readouterr().out)
    assert report["words_used"] == ["a", "red", "square"]
    image, meta = read_png(out)
    assert image.shape == (16, 16, 3)
    assert meta["prompt"] == "a red square" and meta["seed"] == "5"
    assert meta["steps"] == "4" and meta["guidance"] == "2.5" and meta["backend"] == backend


def test_same_settings_give_the_same_png_on_both_backends(tiny_model_folder, tmp_path, capsys):
    images = []
    for backend in ("torch", "onnx"):
        out = tmp_path / f"{backend}.png"
        main(["sample", "--model", str(tiny_model_folder), "--prompt", "a blue circle", "--seed", "9",
              "--steps", "5", "--backend", backend, "--out", str(out), "--json"])
        images.append(read_png(out)[0].astype(int))
    capsys.readouterr()
    assert np.abs(images[0] - images[1]).max() <= 1


def test_sample_without_guidance_uses_the_models_recommended_scale(tiny_model_folder, tmp_path, capsys):
    import shutil

    folder = tmp_path / "tuned"
    shutil.copytree(tiny_model_folder, folder)
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    config["recommended_guidance"] = 1.5
    (folder / "config.json").write_text(json.dumps(config), encoding="utf-8")
    outs = {}
    for name, extra in (("default", []), ("explicit", ["--guidance", "4"])):
        outs[name] = tmp_path / f"{name}.png"
        assert main(["sample", "--model", str(folder), "--prompt", "a red square", "--steps", "3",
                     "--out", str(outs[name]), "--json", *extra]) == 0
    capsys.readouterr()
    assert read_png(outs["default"])[1]["guidance"] == "1.5"
    assert read_png(outs["explicit"])[1]["guidance"] == "4.0"


def test_sample_uses_the_models_recommended_steps_unless_told_otherwise(tiny_model_folder, tmp_path, capsys):
    import shutil

    folder = tmp_path / "tuned"
    shutil.copytree(tiny_model_folder, folder)
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    config["recommended_sampling"] = {"spacing": "karras", "clip_sample": False, "sigma_max": 40.0}
    (folder / "config.json").write_text(json.dumps(config), encoding="utf-8")
    metas, images = {}, {}
    for name, extra in (("default", []), ("plain", ["--spacing", "trailing", "--clip"])):
        out = tmp_path / f"{name}.png"
        assert main(["sample", "--model", str(folder), "--prompt", "a red square", "--steps", "6",
                     "--out", str(out), "--json", *extra]) == 0
        images[name], metas[name] = read_png(out)
    capsys.readouterr()
    assert (metas["default"]["spacing"], metas["default"]["clip"], metas["default"]["sigma_max"]) == ("karras", "false", "40")
    assert (metas["plain"]["spacing"], metas["plain"]["clip"]) == ("trailing", "true")
    assert not np.array_equal(images["default"], images["plain"])  # different steps, different picture


def test_noise_command_follows_the_schedule(tmp_path, capsys):
    src = tmp_path / "grey.png"
    write_png(src, np.full((8, 8, 3), 200, np.uint8))
    out = tmp_path / "noisy.png"
    assert main(["noise", "--image", str(src), "--t", "999", "--out", str(out), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["noise_share"] > 0.99 and report["signal_share"] < 0.05
    noisy, meta = read_png(out)
    assert meta["t"] == "999" and noisy.std() > 40
    assert main(["noise", "--image", str(src), "--t", "0", "--out", str(out), "--json"]) == 0
    capsys.readouterr()
    assert np.abs(read_png(out)[0].astype(int) - 200).max() <= 3


def test_encode_shows_the_caption_as_numbers(tiny_model_folder, capsys):
    assert main(["encode", "--model", str(tiny_model_folder), "--prompt", "a red zebra", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["words_used"] == ["a", "red"] and report["words_ignored"] == ["zebra"]
    assert len(report["pooled"]) == 32 and len(report["tokens"]) == 3


def test_encode_names_the_training_word_a_new_word_lies_nearest(capsys):
    from engines.diffusion.captions import load_glove
    from engines.diffusion.pipeline import resolve_model_path

    if load_glove() is None or not (resolve_model_path("faces") / "config.json").is_file():
        pytest.skip("the shipped faces model or GloVe is not present")
    assert main(["encode", "--model", "faces", "--prompt", "a grinning face", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["words_ignored"] == [] and [w[:2] for w in report["new_words"]] == [["grinning", "smiling"]]
    assert main(["encode", "--model", "faces", "--prompt", "a face on a rose background"]) == 0
    assert "rose → blue" in capsys.readouterr().out


def test_missing_model_is_a_clear_error(tmp_path, capsys):
    code = main(["sample", "--model", str(tmp_path / "nothing"), "--prompt", "x", "--out", str(tmp_path / "a.png")])
    assert code == 2
    assert "nothing" in capsys.readouterr().err


def test_evaluate_json_parses(tmp_path, capsys):
    """A tiny digits model, its judge, and `evaluate --json` end to end."""
    from engines.core.jobs import run_job
    from engines.diffusion.attributes import save_judge, train_judge_job
    from engines.diffusion.train import TrainConfig, train_job

    folder = tmp_path / "digits"
    cfg = TrainConfig(dataset="digits", out=str(folder), image_size=32, channels=(8, 16, 16), d_model=16, time_dim=32,
                      encoder_layers=1, max_steps=2, batch_size=4, sample_every_s=0, checkpoint_every_s=0,
                      device="cpu")
    run_job(train_job(cfg))
    judge, metrics = run_job(train_judge_job("digits", epochs=1))
    save_judge(folder / "judge", judge, "digits", metrics)
    assert main(["evaluate", "--model", str(folder), "--n", "10", "--steps", "2", "--batch", "10", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["kind"] == "digits" and 0.0 <= report["digit_accuracy"] <= 1.0
    assert set(report["per_digit"]) == {str(k) for k in range(10)}
    assert report["judge"]["test_accuracy"] > 0.3


def test_branch_saves_a_tree_where_an_early_branch_changes_more_than_a_late_one(tiny_model_folder, tmp_path, capsys):
    out = tmp_path / "tree.png"
    code = main(["branch", "--model", str(tiny_model_folder), "--backend", "onnx", "--prompt", "a red square",
                 "--steps", "10", "--at", "2", "9", "--new-prompt", "a blue circle", "--scale", "2",
                 "--out", str(out), "--json"])
    assert code == 0
    report = json.loads(capsys.readouterr().out)
    image, meta = read_png(out)
    assert image.shape[0] == 2 * (3 * (16 + 2) + 2)  # three rows: the trunk and two branches
    assert "at step 2" in meta["branch 1"] and "at step 9" in meta["branch 2"]
    early, late = report["differs_from_trunk"]["branch 1"], report["differs_from_trunk"]["branch 2"]
    assert early > late > 0


def test_encoder_picks_the_faces_model_with_that_clue(capsys):
    from engines.diffusion.__main__ import build_parser, _model_name

    args = build_parser().parse_args(["encode", "--encoder", "minilm", "--prompt", "x"])
    assert _model_name(args) == "faces-minilm"
    args = build_parser().parse_args(["encode", "--encoder", "glove", "--prompt", "x"])
    assert _model_name(args) == "faces"
    args = build_parser().parse_args(["encode", "--model", "digits", "--encoder", "glove", "--prompt", "x"])
    with pytest.raises(SystemExit):
        _model_name(args)
