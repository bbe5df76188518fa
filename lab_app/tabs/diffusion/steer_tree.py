"""Steer with a caption, one picture as a tree: pause the denoising at any step (or pick any frame), change the
caption, guidance or seed, and branch (the page's half of :mod:`lab_app.tabs.diffusion.branch_panel`)."""

from __future__ import annotations

from typing import Any

from engines.diffusion.branches import BranchTree
from lab_app.tabs.diffusion.branch_panel import tree_job
from lab_app.tabs.diffusion.common import PauseGate


class SteerTree:
    """Mixed into the caption page: uses its form (prompt_edit, guidance(), seed_box, steps_box), runner,
    ``branches`` panel, ``grid_view`` and ``pause_button``."""

    tree: BranchTree | None = None
    gate: PauseGate | None = None

    def run_tree(self) -> None:
        """A new tree: its trunk is the first caption, one picture, step by step."""
        if not self._can_start():
            return
        self.gate = self.gate or PauseGate()
        self.tree, self.tree_model = BranchTree(), self.model_name()
        settings = self._settings((self.prompt_edit.text(),))
        self._start_row(0, settings)

    def branch(self) -> None:
        """Go on from the picked frame with the caption, guidance and seed now set."""
        if self.tree is None or self.branches.picked is None:
            return
        from engines.diffusion.model_store import get_model

        row, step = self.branches.picked
        try:
            child = self.tree.branch(row, step, prompt=self.prompt_edit.text(), guidance=self.guidance(),
                                     seed=self.seed_box.value(),
                                     alphas_cumprod=get_model(self.tree_model).schedule.alphas_cumprod)
        except ValueError as exc:
            self._status(str(exc))
            return
        self._start_row(child.id)

    def _start_row(self, row: int, trunk_settings=None) -> None:
        ctx, name, tree, gate = self.ctx, self.tree_model, self.tree, self.gate
        self.mode, self.result = "tree", None
        self.save_button.setEnabled(False)  # the tree has its own Save PNG (the branch panel's)
        self.pause_button.setChecked(False)
        gate.set_paused(False)
        if row == 0:
            self.branches.clear()
        self.branches.setVisible(True)
        self._picture_grid.setRowStretch(3, 2)
        self._picture_grid.activate()  # the tree's width now, shown: how many frames fit side by side
        size = tree.branches[0].x_start.shape[-1] if tree.branches else self.model_box.current_entry().image_shape[-1]
        columns = self.branches.columns_that_fit(size)
        self._status("Press Pause at any step, or click a frame, then change the caption and Branch from here."
                     if row == 0 else f"Branch {row}: {tree.get(row).note}.")
        self.runner.start(lambda cancel: tree_job(ctx, name, tree, row, gate, cancel, trunk_settings, columns),
                          label="Sampling a tree")

    def _hide_tree(self) -> None:
        """Another kind of run: the tree makes room (it comes back with the next tree)."""
        self.branches.setVisible(False)
        self._picture_grid.setRowStretch(3, 0)

    def _on_pause(self, paused: bool) -> None:
        if self.gate is not None:
            self.gate.set_paused(paused)
        self.pause_button.setText("Resume" if paused else "Pause")

    def _tree_frame(self, payload: dict[str, Any], step_no: int) -> None:
        step = payload["step"]
        self.branches.show_tree(payload["tree"], payload["cells"], [b.note for b in self.tree.branches],
                                reached=(payload["branch"], step.index + 1))
        self.grid_view.set_image(self._mosaic(step.x0_pred))
        self.grid_view.set_title(f"Step {step_no} of {step.total}: the network's current guess")
        if self.gate is not None and self.gate.paused:
            self._status(f"Paused after step {step.index + 1}: change the caption, guidance or seed, then "
                         "Branch from here (or click another frame).")

    def _tree_finished(self, result: dict[str, Any]) -> None:
        self.branches.show_tree(result["tree"], result["cells"], [b.note for b in self.tree.branches])
        self.grid_view.set_image(self._mosaic(result["images"]))
        self.grid_view.set_title("Finished picture of the row just run")
        self.pause_button.setChecked(False)
        self._status("Done. Click any frame of the tree, change the caption, guidance or seed, and branch again.")
