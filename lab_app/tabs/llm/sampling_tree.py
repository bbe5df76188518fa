""""Sampling tree": the top candidates for the next token as a tree; clicking a candidate branches from it."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QHBoxLayout, QHeaderView, QLabel, QPushButton, QSizePolicy, QSpinBox, QTextBrowser,
                               QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget)

from engines.core.jobs import CancelToken
from lab_app.tabs.llm.common import escape, open_cached, visible

PATH_ROLE = Qt.ItemDataRole.UserRole
PROB_ROLE = Qt.ItemDataRole.UserRole + 1
TEXT_ROLE = Qt.ItemDataRole.UserRole + 2


def tree_children(name, backend, device, threads, prompt, path_ids, top, cancel: CancelToken, epoch: int = 0):
    """A job: the ``top`` most likely next tokens after ``prompt`` followed by the tokens ``path_ids``.

    Uses :func:`engines.llm.generate.next_token_distribution` on the text of prompt + path when that text
    encodes back to the same tokens, else the same softmax on the token ids directly (so a path never drifts).
    """
    from engines.llm.generate import encode_prompt, next_token_distribution, token_text
    from engines.llm.sampling import softmax

    runner, tokenizer, _ = open_cached(name, backend, device, threads)
    cancel.raise_if_cancelled()
    prompt_ids, _ = encode_prompt(runner, tokenizer, prompt)
    ids = prompt_ids + [int(i) for i in path_ids]
    text = tokenizer.decode(ids)
    block = int(runner.config.block_size)
    if [int(i) for i in tokenizer.encode(text)][-block:] == ids[-block:]:
        candidates = next_token_distribution(runner, tokenizer, text, top=top)["candidates"]
    else:
        logits, _, _ = runner.forward(np.asarray([ids[-block:]], dtype=np.int64), None)
        probs = softmax(logits[0, -1])
        order = np.argsort(-probs, kind="stable")[: max(1, int(top))]
        candidates = [{"id": int(i), "text": token_text(tokenizer, int(i)), "prob": float(probs[i])} for i in order]
    for c in candidates:  # the continuation text up to and including this candidate, for the path line
        c["path_text"] = tokenizer.decode([int(i) for i in path_ids] + [c["id"]])
    return {"kind": "tree", "epoch": epoch, "path_ids": [int(i) for i in path_ids], "candidates": candidates,
            "top": int(top)}
    yield  # unreachable: makes this function a generator (a job)


class SamplingTreeView(QWidget):
    """A tree of candidate tokens. ``branch_requested(path_ids)`` asks the page for the children of a path
    (``[]`` = the prompt itself); the page answers with :meth:`add_children`."""

    branch_requested = Signal(list)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        self.intro = intro = QLabel()
        intro.setWordWrap(True)
        layout.addWidget(intro)
        row = QHBoxLayout()
        self.grow_button = QPushButton("Start from the prompt")
        self.grow_button.clicked.connect(self.restart)
        self.top_box = QSpinBox()
        self.top_box.setRange(2, 20)
        self.top_box.setValue(5)
        self.top_box.setPrefix("Top ")
        self.top_box.setSuffix(" per branch")
        self.top_box.valueChanged.connect(self._say_top)
        self._say_top(self.top_box.value())
        row.addWidget(self.grow_button)
        row.addWidget(self.top_box)
        row.addStretch(1)
        layout.addLayout(row)
        self.tree = QTreeWidget()
        self.tree.setColumnCount(3)
        self.tree.setHeaderLabels(["Token", "Probability", "Whole path"])
        header = self.tree.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(False)
        self.tree.itemClicked.connect(self._clicked)
        layout.addWidget(self.tree, 1)
        self.path_view = QTextBrowser()
        self.path_view.setMaximumHeight(72)
        self.path_view.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        layout.addWidget(self.path_view)
        self.prompt = ""
        self.items: dict[tuple[int, ...], QTreeWidgetItem] = {}
        self.requested: set[tuple[int, ...]] = set()
        self.root_loaded = False
        self.clear("")

    # -- state ----------------------------------------------------------------------------
    def clear(self, prompt: str) -> None:
        self.prompt = prompt
        self.tree.clear()
        self.items.clear()
        self.requested.clear()
        self.root_loaded = False
        self.show_path(None)

    def restart(self) -> None:
        """Throw the tree away and grow the first level again (e.g. after changing "Top n per branch")."""
        self.clear(self.prompt)
        self.requested.add(())
        self.branch_requested.emit([])

    def _say_top(self, n: int) -> None:
        self.intro.setText(f"The {n} most likely next tokens (change “Top {n} per branch” for more or fewer) with "
                           "their probabilities at temperature 1, without top-k or top-p. Click any candidate to "
                           "pretend it was drawn: its own most likely next tokens appear below it.")

    def top(self) -> int:
        return self.top_box.value()

    def _clicked(self, item: QTreeWidgetItem, _column: int = 0) -> None:
        self.show_path(item)
        path = tuple(item.data(0, PATH_ROLE))
        if item.childCount() == 0 and path not in self.requested:
            self.requested.add(path)
            item.setText(0, item.text(0) + "  …")
            self.branch_requested.emit(list(path))
        else:
            item.setExpanded(True)

    def click(self, item: QTreeWidgetItem) -> None:
        """Select ``item`` as a user click would (tests)."""
        self.tree.setCurrentItem(item)
        self._clicked(item)

    def add_children(self, payload: dict) -> None:
        path = tuple(payload["path_ids"])
        if not path and payload.get("top", self.top()) != self.top():
            return  # a first level asked for before the tree restarted with another n: the newer request brings it
        if path:
            parent = self.items.get(path)
            if parent is None:
                return
            parent.setText(0, parent.text(0).removesuffix("  …"))
            parent_prob = float(parent.data(0, PROB_ROLE + 10) or 1.0)
            if parent.childCount():
                return
        else:
            if self.root_loaded:
                return
            self.root_loaded = True
            parent, parent_prob = None, 1.0
        for c in payload["candidates"]:
            item = QTreeWidgetItem([visible(c["text"]), f"{100 * c['prob']:.1f}%", f"{100 * parent_prob * c['prob']:.2f}%"])
            item.setData(0, PATH_ROLE, list(path) + [c["id"]])
            item.setData(0, PROB_ROLE, float(c["prob"]))
            item.setData(0, PROB_ROLE + 10, float(parent_prob * c["prob"]))
            item.setData(0, TEXT_ROLE, c["path_text"])
            item.setTextAlignment(1, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            item.setTextAlignment(2, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            item.setToolTip(0, f"click to branch from “{c['text']}”")
            if parent is None:
                self.tree.addTopLevelItem(item)
            else:
                parent.addChild(item)
            self.items[tuple(item.data(0, PATH_ROLE))] = item
        if parent is not None:
            parent.setExpanded(True)

    def children_probs(self, item: QTreeWidgetItem | None = None) -> list[float]:
        if item is None:
            return [self.tree.topLevelItem(i).data(0, PROB_ROLE) for i in range(self.tree.topLevelItemCount())]
        return [item.child(i).data(0, PROB_ROLE) for i in range(item.childCount())]

    def show_path(self, item: QTreeWidgetItem | None) -> None:
        continuation = item.data(0, TEXT_ROLE) if item is not None else ""
        glue = "" if continuation[:1] in ("", " ", ".", ",", "!", "?") else " "
        chance = (f"<br><span style='color:gray'>chance of this whole path: "
                  f"{100 * float(item.data(0, PROB_ROLE + 10)):.2f}%</span>") if item is not None else ""
        self.path_view.setHtml(f"<div style='font-size:large'><span style='color:gray'>{escape(self.prompt)}</span>"
                               f"{glue}<span style='color:#f08c00; font-weight:bold'>{escape(continuation)}</span>"
                               f"{chance}</div>")

    def path_text(self) -> str:
        return self.path_view.toPlainText().split("\n")[0]
