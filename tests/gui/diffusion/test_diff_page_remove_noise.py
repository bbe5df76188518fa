"""The Remove noise page samples live from the shipped model: frames, a finished picture, seeds, pause, cancel."""

from __future__ import annotations

import numpy as np

from lab_app.tabs.diffusion.remove_noise_page import RemoveNoisePage


def page_of(window, index):
    window.select("diffusion", index, build_now=True)
    return window.current_tab().pages[index].page


def run_and_wait(page, qtbot):
    with qtbot.waitSignal(page.runner.finished, timeout=30_000):
        page.run_button.click()
    return page.result


def _trunk_runs_start_to_end(panel, steps: int) -> bool:
    """The trunk's row shows the first step, the finished picture and evenly spaced steps between (as many as fit
    the width at the start of the run: at least 4 frames)."""
    shown = sorted(c.step for c in panel.cells if c.branch == 0)
    gaps = {b - a for a, b in zip(shown[:-2], shown[1:-1])}
    return shown[0] == 0 and shown[-1] == steps and len(shown) >= 4 and len(gaps) == 1


def test_short_run_shows_frames_and_finishes(window, qtbot):
    page = page_of(window, 1)
    assert isinstance(page, RemoveNoisePage)
    page.steps_box.setValue(10)
    result = run_and_wait(page, qtbot)
    assert result.shape == (1, 3, 32, 32)
    assert page.frames_seen >= 1 and page.last_step.total == 10
    assert page.noise_view.image.shape == (32, 32, 3)
    assert page.x0_view.image.shape == (32, 32, 3)
    assert _trunk_runs_start_to_end(page.branches, 10)  # the trunk's filmstrip, from the first step to the end
    assert "Done" in page.status_label.text()

    again = run_and_wait(page, qtbot).copy()
    np.testing.assert_array_equal(result, again)  # same seed → same picture
    page.seed_box.setValue(page.seed_box.value() + 1)
    assert not np.allclose(run_and_wait(page, qtbot), again)


def test_digits_pause_step_and_cancel(window, qtbot):
    page = page_of(window, 1)
    page.model_box.setCurrentIndex(1)
    assert "digit" in page.prompt_box.currentText()
    page.steps_box.setValue(200)
    page.run_button.click()
    qtbot.waitUntil(lambda: page.frames_seen > 0, timeout=30_000)
    page.pause_button.setChecked(True)
    assert page.step_button.isEnabled()
    qtbot.wait(300)
    held = page.last_step.index
    qtbot.wait(300)
    assert page.last_step.index <= held + 1  # paused (at most the step in flight lands)
    page.step_button.click()
    qtbot.waitUntil(lambda: page.last_step.index > held, timeout=5_000)
    with qtbot.waitSignal(page.runner.cancelled, timeout=5_000):
        page.cancel_button.click()
    assert page.result is None
    assert page.last_step.index < 199
    assert page.status_label.text() == "Cancelled."


def test_start_picture_before_run(window):
    from engines.diffusion.sample import initial_noise
    from lab_app.tabs.diffusion.common import to_display

    page = page_of(window, 1)
    start = page.xt_view.image
    assert start is not None and start.shape == (32, 32, 3)
    assert start.std() > 40  # pure noise, not a blank box
    np.testing.assert_array_equal(start, to_display(initial_noise((1, 3, 32, 32), page.seed_box.value())[0][0]))
    assert "Press Run to remove the noise step by step" in page.status_label.text()
    assert "pure noise" in page.xt_view.title
    assert page.branches.view.image is None and page.branches.view.placeholder  # no tree before a run
    assert page.noise_view.placeholder and page.x0_view.placeholder
    page.seed_box.setValue(page.seed_box.value() + 1)
    assert not np.array_equal(page.xt_view.image, start)
    page.model_box.setCurrentIndex(1)  # digits: grey noise
    grey = page.xt_view.image
    assert np.array_equal(grey[..., 0], grey[..., 1])


def test_step_plans_visit_different_noise_levels(window, qtbot):
    from engines.diffusion.sample import model_sampling, resolve_sampling
    from engines.diffusion.schedule import NoiseSchedule
    from engines.diffusion.schedulers import make_scheduler

    page = page_of(window, 1)
    page.steps_box.setValue(10)
    config = page.model_box.current_entry().config
    first_t, pictures = {}, {}
    for key in ("even", "karras", "auto"):
        page.plan_box.setCurrentIndex(page.plan_box.findData(key))
        settings = page.settings()
        scheduler = make_scheduler("ddim", NoiseSchedule.make("cosine", 1000), **resolve_sampling(settings, config))
        scheduler.set_timesteps(settings.steps)
        first_t[key] = int(scheduler.timesteps[0])
        pictures[key] = run_and_wait(page, qtbot).copy()
        assert page.last_step.total == 10
        assert _trunk_runs_start_to_end(page.branches, 10) and "Done: 10 steps" in page.status_label.text()
    assert first_t["even"] == 999  # the classic plan starts at the schedule's last step
    assert first_t["karras"] < 999  # Karras starts where noise is ~40× the image
    assert not np.allclose(pictures["even"], pictures["karras"])
    tuned = model_sampling(config)["spacing"]
    assert np.array_equal(pictures["auto"], pictures["karras" if tuned == "karras" else "even"])


def test_pause_change_the_caption_branch_and_save_the_tree(window, qtbot, tmp_path):
    from engines.diffusion.png import read_png

    page = page_of(window, 1)
    page.steps_box.setValue(12)
    trunk = run_and_wait(page, qtbot).copy()
    tree = page.tree
    # click the frame of step 4 in the tree view: it becomes the branch point
    cell = next(c for c in page.branches.cells if c.branch == 0 and c.step >= 4)
    page.branches._on_click(cell.x + 1, cell.y + 1)
    assert page.branches.picked == (0, cell.step) and page.branches.branch_button.isEnabled()
    page.prompt_box.setCurrentText("a frowning face with grey hair wearing a yellow hat, on a green background")
    with qtbot.waitSignal(page.runner.finished, timeout=30_000):
        page.branches.branch_button.click()
    child = tree.get(1)
    assert child.parent == 0 and child.start == cell.step and "caption" in child.note
    assert np.array_equal(child.states[cell.step], tree.get(0).states[cell.step])
    assert not np.array_equal(page.result, trunk)  # the new caption changed the picture
    rows = {c.branch for c in page.branches.cells}
    assert rows == {0, 1}
    # pause mid-run, then branch from where it stands with only a new seed (new remaining noise)
    page.steps_box.setValue(40)
    page.run_button.click()
    qtbot.waitUntil(lambda: page.frames_seen > 2, timeout=30_000)
    page.pause_button.setChecked(True)
    qtbot.wait(300)
    row, step = page.branches.picked
    assert row == 0 and 0 < step < 40
    page.seed_box.setValue(page.seed_box.value() + 5)
    with qtbot.waitSignal(page.runner.finished, timeout=60_000):
        page.branches.branch_button.click()
    assert "new noise" in page.tree.get(1).note and page.tree.get(1).start == step
    path = tmp_path / "tree.png"
    page.branches.save_png(str(path))
    image, meta = read_png(path)
    assert image.shape[0] == page.branches.image.shape[0] * 4
    assert "new noise" in meta["branch 1"] and meta["trunk"] == "trunk"


def test_at_1280x800_the_two_guesses_are_as_big_as_the_picture(window, qtbot):
    # the noisy picture, the noise guess and the clean guess stand in one row, read left to right, each at least
    # 100 px (stacked on the right, the two guesses were 64 px at this size)
    window.resize(1280, 800)
    page = page_of(window, 1)
    qtbot.waitUntil(lambda: (window.width(), window.height()) == (1280, 800), timeout=3000)
    qtbot.wait(100)
    views = (page.xt_view, page.noise_view, page.x0_view)
    sides = [min(v.width(), v.height() - 18) for v in views]
    assert min(sides) >= 100, sides
    lefts = [v.mapTo(page, v.rect().topLeft()).x() for v in views]
    assert lefts == sorted(lefts)


def _frame_px(panel) -> float:
    """How many screen pixels wide one frame of the tree is drawn."""
    cell = panel.cells[0]
    return cell.size * panel.view._target.width() / panel.image.shape[1]


def test_at_1280x800_the_tree_frames_are_big_enough_to_see(window, qtbot):
    # the explainer reads in full and the tree's frames are still pictures, not a strip of 25-px stamps: at least
    # 56 px each for the trunk alone and with a branch under it (two rows)
    window.resize(1280, 800)
    page = page_of(window, 1)
    qtbot.waitUntil(lambda: (window.width(), window.height()) == (1280, 800), timeout=3000)
    run_and_wait(page, qtbot)
    qtbot.wait(100)
    assert page.explainer.text_fully_visible()
    assert _frame_px(page.branches) >= 56, _frame_px(page.branches)
    cell = next(c for c in page.branches.cells if c.branch == 0 and c.step >= 6)
    page.branches._on_click(cell.x + 1, cell.y + 1)
    page.prompt_box.setCurrentText("a frowning face with grey hair wearing a yellow hat, on a green background")
    with qtbot.waitSignal(page.runner.finished, timeout=30_000):
        page.branches.branch_button.click()
    qtbot.wait(100)
    assert {c.branch for c in page.branches.cells} == {0, 1}
    assert _frame_px(page.branches) >= 56, _frame_px(page.branches)
    assert page.explainer.text_fully_visible()


def test_the_tree_sits_on_the_themes_colours(window, qtbot):
    # on the dark theme the tree's empty cells and gutter were a light grey block (235) around the frames; they now
    # take the page's own colour, and follow a switch of theme; the frames themselves are untouched
    window.ctx.settings.update(theme="dark")
    page = page_of(window, 1)
    page.steps_box.setValue(6)
    run_and_wait(page, qtbot)
    panel = page.branches
    shown, raw = panel.view.image, panel.image
    empty = np.ones(shown.shape[:2], bool)
    for c in panel.cells:
        empty[c.y - 1:c.y + c.size + 1, c.x - 1:c.x + c.size + 1] = False  # the frame and the picked frame's border
    window_colour = panel.palette().color(panel.palette().ColorRole.Window)
    assert window_colour.lightness() < 80
    assert shown[empty].max() < 80, shown[empty].max()  # no light grey left around the frames
    assert tuple(shown[0, 0]) == (window_colour.red(), window_colour.green(), window_colour.blue())
    c = panel.cells[0]
    assert np.array_equal(shown[c.y:c.y + c.size, c.x:c.x + c.size], raw[c.y:c.y + c.size, c.x:c.x + c.size])
    window.ctx.settings.update(theme="light")
    qtbot.waitUntil(lambda: panel.view.image[0, 0].min() > 200, timeout=3000)
