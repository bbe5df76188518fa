"""Pause at any step, change the clue, branch: one denoising run as a small tree of filmstrips.

The **trunk** runs from pure noise. Any of its frames (the x_t the sampler held before step k)
can start a **branch** that goes on from there with another caption, another guidance, or new
noise; a branch's frames can start branches of their own. With nothing changed, a branch
repeats its parent exactly (:func:`engines.diffusion.sample.sample_job` resumes bit for bit),
so every difference between two rows comes from the change. Branching early changes the
layout; branching late changes only details — that is when each is decided.

"New noise" keeps what the network has decided so far and swaps the rest: with x̂₀ the clean
picture guessed at that step, x_t = sqrt(ᾱ_t)·x̂₀ + sqrt(1 − ᾱ_t)·ε, and ε is replaced by
fresh noise from the new seed.

:class:`BranchTree` holds the data (NumPy only); :meth:`BranchTree.run_job` fills a branch;
:func:`tree_image` draws the tree (one row per branch, indented to where it leaves its parent),
and returns where each frame sits so a view can map a click back to (branch, step).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from engines.core.jobs import CancelToken, Frame, Job

TILE_PAD = 2
GUTTER = 6  # left of the first column: room for the lines from a parent row down to its branches
BACKGROUND, LINE = 235, 60  # grey levels of :func:`tree_image`'s empty area and of its lines between rows


@dataclass
class Branch:
    """One row of the tree. ``states[k]`` is x_t before step k (k = total: the finished picture), (1, C, H, W);
    ``previews[k]`` the network's guess of the clean picture at step k."""

    id: int
    parent: int | None
    start: int  # the step this row starts at (0 for the trunk)
    settings: Any  # SampleSettings with one prompt
    x_start: np.ndarray
    note: str = ""  # what changed from the parent, in words
    states: dict[int, np.ndarray] = field(default_factory=dict)
    previews: dict[int, np.ndarray] = field(default_factory=dict)
    plan: list[int] = field(default_factory=list)  # the timestep t of each step
    total: int = 0

    @property
    def done(self) -> bool:
        return self.total > 0 and self.total in self.states

    @property
    def last(self) -> int:
        """The latest step whose x_t is known (where a paused row goes on from)."""
        return max(self.states) if self.states else self.start


class BranchTree:
    """The trunk and its branches. Build it with :meth:`trunk` and :meth:`branch`; run rows with :meth:`run_job`."""

    def __init__(self) -> None:
        self.branches: list[Branch] = []

    def get(self, branch_id: int) -> Branch:
        return self.branches[branch_id]

    def trunk(self, settings: Any, image_shape: tuple[int, ...]) -> Branch:
        """A new tree whose first row starts from ``settings.seed``'s noise."""
        from engines.diffusion.sample import initial_noise

        x, _ = initial_noise((1, *image_shape), settings.seed)
        self.branches = [Branch(0, None, 0, settings, x, note="trunk")]
        return self.branches[0]

    def branch(self, parent_id: int, step: int, prompt: str | None = None, guidance: float | None = None,
               seed: int | None = None, alphas_cumprod: np.ndarray | None = None) -> Branch:
        """A new row leaving ``parent_id`` at ``step`` with the given changes (None = keep the parent's).

        A new ``seed`` swaps the noise in x_t for that seed's (needs the schedule's ``alphas_cumprod`` and the
        parent's clean-picture guess at ``step``)."""
        parent = self.get(parent_id)
        if step not in parent.states:
            raise ValueError(f"row {parent_id} has not reached step {step} yet")
        if step >= parent.total:
            raise ValueError("the finished picture has no steps left to change")
        s = parent.settings
        changes = {}
        notes = []
        if prompt is not None and prompt != s.prompts[0]:
            changes["prompts"] = (prompt,)
            notes.append(f'caption "{prompt}"')
        if guidance is not None and float(guidance) != float(s.guidance):
            changes["guidance"] = float(guidance)
            notes.append(f"guidance {s.guidance:g} → {float(guidance):g}")
        x = parent.states[step]
        if seed is not None and seed != s.seed:
            if alphas_cumprod is None:
                raise ValueError("new noise needs the schedule's alphas_cumprod")
            changes["seed"] = int(seed)
            notes.append(f"new noise from seed {seed}")
            decided = parent.previews[max(k for k in parent.previews if k <= step)]  # the latest clean-picture guess
            x = renoise(decided, alphas_cumprod[parent.plan[step]], int(seed))
        child = Branch(len(self.branches), parent_id, step, replace(s, **changes), x,
                       note=(", ".join(notes) or "no change") + f" at step {step + 1}")
        self.branches.append(child)
        return child

    def run_job(self, model: Any, branch_id: int, cancel: CancelToken | None = None) -> Job[Branch]:
        """Run (or go on with) one row: yields Frame({"branch": id, "step": DenoiseStep}) + Progress per step."""
        from engines.diffusion.sample import sample_job, timesteps_for

        row = self.get(branch_id)
        row.plan = [int(t) for t in timesteps_for(model, row.settings)]
        row.total = len(row.plan)
        start = row.last if row.states else row.start
        x = row.states.get(start, row.x_start)
        job = sample_job(model, row.settings, cancel, x_start=x, start_index=start)
        try:
            while True:
                event = next(job)
                if isinstance(event, Frame):
                    step = event.payload
                    row.states[step.index] = step.x_t.copy()
                    row.previews[step.index] = step.x0_pred.copy()
                    row.states[step.index + 1] = step.x_next.astype(np.float32)
                    if step.index + 1 == step.total:
                        row.previews[step.total] = row.states[step.total]
                    event = Frame({"branch": branch_id, "step": step}, step=event.step)
                yield event
        except StopIteration as stop:
            row.states[row.total] = np.asarray(stop.value, np.float32)
            row.previews[row.total] = row.states[row.total]
            return row
        finally:
            job.close()

    def order(self) -> list[Branch]:
        """Rows top to bottom: each branch right under its parent (newest child first under it)."""
        out: list[Branch] = []

        def visit(b: Branch) -> None:
            out.append(b)
            for child in sorted((c for c in self.branches if c.parent == b.id), key=lambda c: -c.id):
                visit(child)

        if self.branches:
            visit(self.branches[0])
        return out


def renoise(x0: np.ndarray, alpha_cumprod: float, seed: int) -> np.ndarray:
    """sqrt(ᾱ)·x̂₀ + sqrt(1 − ᾱ)·ε with ε fresh noise from ``seed``: the same decided picture, other noise."""
    eps = np.random.default_rng(seed).standard_normal(x0.shape)
    return (np.sqrt(alpha_cumprod) * x0 + np.sqrt(1 - alpha_cumprod) * eps).astype(np.float32)


@dataclass(frozen=True)
class Cell:
    """Where one frame sits in :func:`tree_image` (pixels): row ``branch``, step ``step``."""

    branch: int
    step: int
    x: int
    y: int
    size: int


def tree_columns(tree: BranchTree, max_columns: int = 26) -> list[int]:
    """The step indices drawn as columns: every n-th step (at most ``max_columns``), the end, and each branch start."""
    total = max((b.total for b in tree.branches), default=0)
    if total == 0:
        return [0]
    stride = max(1, int(np.ceil((total + 1) / max_columns)))
    return sorted(set(range(0, total, stride)) | {total} | {b.start for b in tree.branches})


def columns_that_fit(width_px: float, size: int, frame_px: int) -> int:
    """How many columns :func:`tree_image` may use so that, drawn ``width_px`` wide, each ``size``-px frame is
    at least ``frame_px`` on screen (never fewer than 4; a branch start off the stride adds one)."""
    scale = frame_px / size
    return max(4, int((width_px / scale - GUTTER - TILE_PAD) // (size + TILE_PAD)))


def tree_image(tree: BranchTree, max_columns: int = 26, show: str = "x0",
               background: int = BACKGROUND) -> tuple[np.ndarray, list[Cell]]:
    """The tree as one uint8 (H, W, 3) picture and the frame cells (for clicks).

    One row per branch (:meth:`BranchTree.order`), one column per step of :func:`tree_columns`; a row starts
    under the column where it left its parent, with a line up to the parent's row. ``show``: "x0" draws the
    network's guess of the clean picture at each step (where layout and details appear), "xt" the noisy x_t."""
    from engines.diffusion.sample import to_uint8

    rows = tree.order()
    cols = tree_columns(tree, max_columns)
    if not rows:
        return np.full((8, 8, 3), background, np.uint8), []
    shape = rows[0].x_start.shape[1:]
    size = int(shape[-1])
    step_px = size + TILE_PAD
    gutter = GUTTER
    height = len(rows) * step_px + TILE_PAD
    width = gutter + len(cols) * step_px + TILE_PAD
    img = np.full((height, width, 3), background, np.uint8)
    cells: list[Cell] = []
    row_of = {b.id: r for r, b in enumerate(rows)}
    for r, b in enumerate(rows):
        y = TILE_PAD + r * step_px
        frames = b.previews if show == "x0" else b.states
        for c, k in enumerate(cols):
            if k < b.start or k not in frames:
                continue
            x = gutter + TILE_PAD + c * step_px
            tile = to_uint8(frames[k][:1])[0]
            if tile.shape[2] == 1:
                tile = np.repeat(tile, 3, axis=2)
            img[y:y + size, x:x + size] = tile[:, :, :3]
            cells.append(Cell(b.id, k, x, y, size))
        if b.parent is not None:  # a line from the parent's frame down to this row's first frame
            c = cols.index(b.start)
            x = gutter + TILE_PAD + c * step_px - 2
            top = TILE_PAD + row_of[b.parent] * step_px + size // 2
            img[top:y + size // 2 + 1, x] = LINE
            img[y + size // 2, x:x + 2] = LINE
    return img, cells


def recolour_tree(image: np.ndarray, cells: list[Cell], background, line) -> np.ndarray:
    """A copy of a :func:`tree_image` picture with everything outside its frames in ``background`` and the lines
    between rows in ``line`` (RGB triples): a view puts the tree on its theme's colours (light grey on a dark
    page showed every empty cell as a bright block)."""
    out = np.array(image, np.uint8, copy=True)
    empty = np.ones(out.shape[:2], bool)
    for c in cells:
        empty[c.y:c.y + c.size, c.x:c.x + c.size] = False
    lines = empty & (out == LINE).all(axis=2)
    out[empty] = background
    out[lines] = line
    return out
