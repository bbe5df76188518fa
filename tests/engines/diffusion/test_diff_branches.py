"""Pause and branch: resuming a run equals the unbroken run, and the branch tree's data and picture."""

import numpy as np
import pytest

from engines.core.jobs import Frame, collect, run_job
from engines.diffusion.branches import BranchTree, tree_columns, tree_image
from engines.diffusion.sample import SampleSettings, sample_job


def frames_of(events):
    return [e.payload for e in events if isinstance(e, Frame)]


@pytest.mark.parametrize("backend,sampler,eta", [("onnx", "ddim", 0.0), ("torch", "ddim", 0.0),
                                                 ("onnx", "ddpm", 0.0), ("onnx", "ddim", 0.5)])
def test_resuming_without_changes_equals_the_unbroken_run_bit_for_bit(tiny_model_folder, backend, sampler, eta):
    from engines.diffusion.pipeline import load_diffusion_model

    model = load_diffusion_model(tiny_model_folder, backend)
    settings = SampleSettings(("a red square",), seed=5, steps=12, guidance=3.0, sampler=sampler, eta=eta)
    events, whole = collect(sample_job(model, settings))
    steps = frames_of(events)
    k = 7
    resumed_events, resumed = collect(sample_job(model, settings, x_start=steps[k].x_t, start_index=k))
    assert np.array_equal(resumed, whole)
    assert [s.index for s in frames_of(resumed_events)] == list(range(k, 12))
    # and a change after the pause does change the picture
    other = run_job(sample_job(model, SampleSettings(("a blue circle",), seed=5, steps=12, guidance=3.0,
                                                     sampler=sampler, eta=eta), x_start=steps[k].x_t, start_index=k))
    assert not np.array_equal(other, whole)


def test_resuming_needs_the_state_to_resume_from(tiny_model_folder):
    from engines.diffusion.pipeline import load_diffusion_model

    model = load_diffusion_model(tiny_model_folder, "onnx")
    with pytest.raises(ValueError, match="x_start"):
        run_job(sample_job(model, SampleSettings(("a",), steps=5), start_index=2))


def test_a_tree_of_branches_keeps_each_rows_frames_and_draws_them(tiny_model_folder):
    from engines.diffusion.pipeline import load_diffusion_model

    model = load_diffusion_model(tiny_model_folder, "onnx")
    tree = BranchTree()
    trunk = tree.trunk(SampleSettings(("a red square",), seed=1, steps=10, guidance=3.0), model.image_shape)
    run_job(tree.run_job(model, trunk.id))
    assert trunk.done and sorted(trunk.states) == list(range(11))
    same = tree.branch(0, 4)  # nothing changed: the branch repeats the trunk exactly
    run_job(tree.run_job(model, same.id))
    assert np.array_equal(same.states[10], trunk.states[10]) and same.note.startswith("no change")
    caption = tree.branch(0, 4, prompt="a blue circle", guidance=5.0)
    run_job(tree.run_job(model, caption.id))
    assert np.array_equal(caption.states[4], trunk.states[4])  # the same picture up to the branch point
    assert not np.array_equal(caption.states[10], trunk.states[10])
    assert caption.settings.prompts == ("a blue circle",) and caption.settings.guidance == 5.0
    noise = tree.branch(caption.id, 7, seed=99, alphas_cumprod=model.schedule.alphas_cumprod)
    assert not np.array_equal(noise.x_start, caption.states[7]) and "seed 99" in noise.note
    run_job(tree.run_job(model, noise.id))
    with pytest.raises(ValueError):
        tree.branch(0, 10)  # the finished picture has no steps left
    assert [b.id for b in tree.order()] == [0, 2, 3, 1]  # each branch right under its parent
    img, cells = tree_image(tree)
    cols = tree_columns(tree)
    assert img.dtype == np.uint8 and img.shape[0] == 4 * (16 + 2) + 2
    trunk_cells = [c for c in cells if c.branch == 0]
    assert [c.step for c in trunk_cells] == cols
    noise_cells = [c for c in cells if c.branch == 3]
    assert noise_cells[0].step == 7 and noise_cells[0].x > trunk_cells[0].x  # indented to where it branched
    c = noise_cells[-1]
    tile = img[c.y:c.y + c.size, c.x:c.x + c.size]
    from engines.diffusion.sample import to_uint8

    assert np.array_equal(tile, to_uint8(noise.states[10])[0])  # the last frame is the finished picture


def test_a_paused_row_goes_on_from_where_it_stopped(tiny_model_folder):
    from engines.core.jobs import CancelToken, JobCancelled
    from engines.diffusion.pipeline import load_diffusion_model

    model = load_diffusion_model(tiny_model_folder, "onnx")
    settings = SampleSettings(("a red square",), seed=2, steps=8)
    whole = run_job(sample_job(model, settings))
    tree = BranchTree()
    row = tree.trunk(settings, model.image_shape)
    cancel = CancelToken()

    def stop_at_3(event):
        if isinstance(event, Frame) and event.payload["step"].index == 3:
            cancel.cancel()

    with pytest.raises(JobCancelled):
        run_job(tree.run_job(model, row.id, cancel), cancel, stop_at_3)
    assert row.last == 4 and not row.done
    run_job(tree.run_job(model, row.id))
    assert np.array_equal(row.states[8], whole)


def test_the_tree_picture_can_take_a_themes_colours(tiny_model_folder):
    from engines.diffusion.branches import BACKGROUND, LINE, recolour_tree
    from engines.diffusion.pipeline import load_diffusion_model

    model = load_diffusion_model(tiny_model_folder, "onnx")
    tree = BranchTree()
    trunk = tree.trunk(SampleSettings(("a red square",), seed=1, steps=6, guidance=3.0), model.image_shape)
    run_job(tree.run_job(model, trunk.id))
    run_job(tree.run_job(model, tree.branch(0, 3, prompt="a blue circle").id))
    img, cells = tree_image(tree)
    dark, light = (30, 31, 34), (200, 201, 202)
    on = recolour_tree(img, cells, dark, light)
    inside = np.zeros(img.shape[:2], bool)
    for c in cells:
        inside[c.y:c.y + c.size, c.x:c.x + c.size] = True
    assert np.array_equal(on[inside], img[inside])  # the frames are untouched
    was_line = ~inside & (img == LINE).all(axis=2)
    assert was_line.sum() > 10 and (on[was_line] == light).all()  # the line from the trunk down to the branch
    assert ((img[~inside & ~was_line] == BACKGROUND).all() and (on[~inside & ~was_line] == dark).all())
