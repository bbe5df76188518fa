"""The model chooser on the sampling pages: the user's trained models, recommended guidance, broken folders."""

from __future__ import annotations

import json
import shutil

import numpy as np

from engines.core.paths import assets_dir


def page_of(window, index):
    window.select("diffusion", index, build_now=True)
    return window.current_tab().pages[index].page


def user_copy(root, name="tuned", **config_changes):
    """A copy of the shipped digits model as a user model (no ONNX files: like a model trained in the app)."""
    folder = root / "models" / "diffusion" / name
    folder.mkdir(parents=True)
    shipped = assets_dir() / "diffusion" / "digits"
    shutil.copy(shipped / "model.safetensors", folder / "model.safetensors")
    config = json.loads((shipped / "config.json").read_text(encoding="utf-8"))
    config.update(config_changes)
    config = {k: v for k, v in config.items() if v is not None}  # None: leave the key out
    (folder / "config.json").write_text(json.dumps(config), encoding="utf-8")
    return folder


def test_guidance_follows_the_models_recommendation(window, monkeypatch, tmp_path):
    monkeypatch.setenv("AI_LAB_DATA_DIR", str(tmp_path))
    page = page_of(window, 2)
    faces = json.loads((assets_dir() / "diffusion" / "faces" / "config.json").read_text(encoding="utf-8"))
    assert page.guidance() == round(2 * float(faces.get("recommended_guidance", 3.0))) / 2
    folder = user_copy(tmp_path, recommended_guidance=2.5)
    assert page.model_box.select(str(folder))
    assert page.model_box.currentText() == "Mine: tuned"
    assert page.guidance() == 2.5
    assert "recommended guidance: 2.5" in page.guidance_label.toolTip()
    assert "digit" in page.prompt_edit.text()  # a digits model's captions
    plain = user_copy(tmp_path, "plain", recommended_guidance=None)
    assert page.model_box.select(str(plain))  # no recommendation: back to 3
    assert page.guidance() == 3.0
    assert "recommended guidance:" not in page.guidance_label.toolTip()

    shipped = json.loads((assets_dir() / "diffusion" / "digits" / "config.json").read_text(encoding="utf-8"))
    page.model_box.setCurrentIndex(1)  # the shipped digits model: its own recommendation when it has one
    assert page.guidance() == round(2 * float(shipped.get("recommended_guidance", 3.0))) / 2

    remove = page_of(window, 1)
    assert remove.model_box.select(str(folder))
    assert remove.guidance_box.value() == 2.5
    assert "recommended guidance: 2.5" in remove.guidance_label.toolTip()


def test_user_model_is_listed_and_samples_with_torch(window, qtbot, monkeypatch, tmp_path):
    monkeypatch.setenv("AI_LAB_DATA_DIR", str(tmp_path))
    page = page_of(window, 1)
    labels = [page.model_box.itemText(i) for i in range(page.model_box.count())]
    assert labels[:2] == ["Faces (GloVe word clue)", "Digits (grey)"] and not any("Mine" in t for t in labels)
    folder = user_copy(tmp_path, "mine")
    page.hide()
    page.show()  # showing the page looks for new models
    labels = [page.model_box.itemText(i) for i in range(page.model_box.count())]
    assert labels[-1] == "Mine: mine"
    page.model_box.setCurrentIndex(labels.index("Mine: mine"))
    assert page.model_name() == str(folder)
    page.steps_box.setValue(10)
    with qtbot.waitSignal(page.runner.finished, timeout=60_000):
        page.run_button.click()
    assert page.result.shape == (1, 1, 32, 32)
    assert "Done" in page.status_label.text()


def test_broken_user_folder_shows_a_message(window, monkeypatch, tmp_path):
    monkeypatch.setenv("AI_LAB_DATA_DIR", str(tmp_path))
    broken = tmp_path / "models" / "diffusion" / "broken"
    broken.mkdir(parents=True)
    (broken / "config.json").write_text("{not json", encoding="utf-8")
    (broken / "model.safetensors").write_bytes(b"junk")
    (tmp_path / "models" / "diffusion" / "empty").mkdir()  # nothing in it: not listed
    for index in (1, 2):
        page = page_of(window, index)
        page.model_box.refresh()
        labels = [page.model_box.itemText(i) for i in range(page.model_box.count())]
        assert labels[-1] == "Mine: broken (unreadable)" and not any("Mine" in t for t in labels[:-1])
        page.model_box.setCurrentIndex(len(labels) - 1)
        assert "“broken” can't be used" in page.status_label.text()
        (page.run_button if index == 1 else page.generate_button).click()
        assert not page.runner.is_running()
        assert "can't be used" in page.status_label.text()
    assert np.all(page.model_box.current_entry().image_shape == (3, 32, 32))
