"""Page "Real word vectors in 3D": thousands of GloVe words in a 3D cloud; search, neighbours, axes, arithmetic."""

from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from engines.core.jobs import CancelToken, Job, Log
from engines.embeddings.projection import Projection, axes_projection, pca_projection
from engines.embeddings.vectors import AnalogyResult, WordVectors
from lab_app.tabs.embeddings import shared
from lab_app.tabs.embeddings.gl_scene import new_scene, rgba, text_colour
from lab_app.tabs.embeddings.word_vectors_controls import build_controls
from lab_app.tabs.embeddings.word_vectors_text import (ANSWER_COLOUR, CLOUD_COLOUR, EXPLAINER, HIT_COLOUR, LABELLED,
                                                      OFFSET_COLOUR, SOURCES)
from lab_app.tabs.page import LabPage
from lab_app.widgets.frame_rate import spin_fps


def load_store_job(source: str, path: str | None, cancel: CancelToken) -> Job[WordVectors]:
    """Load the chosen vectors off the GUI thread."""
    yield Log(f"loading {SOURCES.get(source, source)}")
    if source == "file":
        from engines.embeddings.loaders import load_vectors

        return load_vectors(path)
    if source == "learned":
        store = shared.learned()
        if store is None:
            raise ValueError("nothing learned yet: train on the 'Learn vectors live' page first")
        return store
    from engines.embeddings.glove import load_glove

    return load_glove(full=source == "full")


class WordVectorsPage(LabPage):
    def __init__(self, ctx, spec, parent: QWidget | None = None) -> None:
        super().__init__(ctx, spec, parent)
        self.store: WordVectors | None = None
        self.projection: Projection | None = None
        self.rows = np.zeros(0, dtype=np.int64)  # store rows shown in the cloud
        self.coords = np.zeros((0, 3), dtype=np.float32)
        self.scale = 1.0
        self.last_analogy: AnalogyResult | None = None
        self.last_neighbours: list[tuple[str, float]] = []
        self.last_fps: float | None = None
        self.highlighted: dict[str, list[str]] = {}
        self.loader = self.new_runner("word vectors")
        self.loader.finished.connect(self._on_loaded)
        self.loader.failed.connect(lambda f: self.status_label.setText(f"Could not load: {f.message}"))
        build_controls(self)
        self._build_picture()
        self.set_explainer(EXPLAINER)
        ctx.theme_changed.connect(self._draw_sample_dots)
        self.splitter.setSizes([330, 950])
        self.load(self.source_box.currentData())  # all 400k words when the package is installed

    # -- layout ---------------------------------------------------------------------------
    def _build_picture(self) -> None:
        host = QWidget()
        layout = QVBoxLayout(host)
        layout.setContentsMargins(0, 0, 0, 0)
        self.caption = QLabel("Drag to turn the cloud, scroll to zoom. Labelled words are a fixed sample; "
                              "found words are red, arithmetic answers purple.")
        self.caption.setWordWrap(True)
        layout.addWidget(self.caption)
        self.scene = new_scene(distance=3.0)  # 3D, or flat where OpenGL is missing
        row = QHBoxLayout()
        row.addWidget(self.scene.view, 1)
        side = QWidget()
        side.setFixedWidth(250)
        sl = QVBoxLayout(side)
        sl.setContentsMargins(0, 0, 0, 0)
        for widget in (self.results_title, self.results, self.odd_box, self.fps_button, self.fps_label):
            sl.addWidget(widget, 1 if widget is self.results else 0)  # the list takes the spare height
        row.addWidget(side)
        layout.addLayout(row, 1)
        self.set_picture(host)

    # -- loading ----------------------------------------------------------------------------
    def _on_source(self, _index: int) -> None:
        source = self.source_box.currentData()
        if source == "file":
            path, _ = QFileDialog.getOpenFileName(self, "Open word vectors", "",
                                                  "Vectors (*.txt *.vec *.bin *.npy *.safetensors);;All files (*)")
            if path:
                self.load("file", path)
            return
        self.load(source)

    def load(self, source: str, path: str | None = None) -> None:
        self.status_label.setText(f"Loading {SOURCES.get(source, source)}…")
        self.loader.start(lambda cancel: load_store_job(source, path, cancel), label="Loading word vectors")

    def _on_loaded(self, store: WordVectors) -> None:
        self.set_store(store)

    def set_store(self, store: WordVectors) -> None:
        self.store = store
        self.status_label.setText(f"{store.name or 'vectors'}: {len(store):,} words × {store.dims} numbers.")
        self.count_box.setMaximum(min(50_000, len(store)))
        self.rebuild_cloud()
        if all(w in store for w in (self.a_edit.text(), self.b_edit.text(), self.c_edit.text())):
            self.analogy()

    # -- the cloud --------------------------------------------------------------------------
    def rebuild_cloud(self) -> None:
        if self.store is None:
            return
        store = self.store
        n = min(self.count_box.value(), len(store))
        extra = [store.key_to_index[w] for w in LABELLED if w in store and store.key_to_index[w] >= n]
        self.rows = np.concatenate([np.arange(n), np.array(extra, dtype=np.int64)]).astype(np.int64)
        unit = store.unit[self.rows]
        try:
            if self.axes_radio.isChecked():
                axes = [e.text().strip() for e in self.axis_edits if e.text().strip()]
                self.projection = axes_projection(store, axes, fill_from=unit) if axes else pca_projection(unit)
            else:
                self.projection = pca_projection(unit)
        except (KeyError, ValueError) as exc:
            self.status_label.setText(f"Axes: {exc}")
            self.projection = pca_projection(unit)
        raw = self.projection(unit)
        self.scale = 1.0 / max(float(np.percentile(np.linalg.norm(raw, axis=1), 98)), 1e-6)
        self.coords = raw * self.scale
        colours = np.tile(np.array(rgba(CLOUD_COLOUR, 0.35), np.float32), (len(self.rows), 1))
        self.scene.points("cloud", self.coords, colours, size=2.5)
        self.scene.frame((0.0, 0.0, 0.0), 1.25)  # 98% of the words lie within 1 of the centre
        self.scene.axes("axes", 1.1, self.projection.labels, origin=(0, 0, 0))
        self._draw_sample_dots()
        for key in ("hits", "hit_labels", "arrows", "answer", "answer_labels", "answer_link"):
            self.scene.clear(key)
        self.highlight({})

    def _draw_sample_dots(self, *_theme) -> None:
        """The labelled sample's dots, in the text colour of the theme (dark grey ones vanished on dark)."""
        if self.store is None or self.projection is None:
            return
        labelled = [w for w in LABELLED if w in self.store]
        colour = text_colour()
        self.scene.points("labelled", self.project_words(labelled), rgba(colour.name(), 0.9), size=6)

    def highlight(self, key_words: dict[str, list[str]]) -> None:
        """Remember which words a query labels in bold (group key → words) and label the fixed sample
        without them, so no word is written twice."""
        self.highlighted.update(key_words)
        self.highlighted = {k: v for k, v in self.highlighted.items() if self.scene.items(k)}
        taken = {w for words in self.highlighted.values() for w in words}
        plain = [w for w in LABELLED if w in self.store and w not in taken]
        self.scene.labels("labels", self.project_words(plain), plain)

    def project_words(self, words: list[str]) -> np.ndarray:
        """3D positions (as drawn) of ``words`` (n,) → (n, 3)."""
        if not words or self.projection is None:
            return np.zeros((0, 3), np.float32)
        return self.projection(self.store.unit[[self.store.index(w) for w in words]]) * self.scale

    def project_vector(self, vector: np.ndarray) -> np.ndarray:
        return self.projection(vector[None, :])[0] * self.scale

    # -- queries ------------------------------------------------------------------------------
    def _show_list(self, title: str, rows: list[tuple[str, float]]) -> None:
        self.results_title.setText(f"<b>{title}</b>")
        self.results.clear()
        for i, (w, s) in enumerate(rows, 1):
            self.results.addItem(f"{i:>2}. {w:<16} {s:.3f}")

    def find(self, word: str) -> list[tuple[str, float]] | None:
        """Highlight ``word`` and its 10 nearest neighbours (cosine, all dimensions)."""
        if self.store is None:
            return None
        word = word.strip().lower()
        try:
            neighbours = self.store.most_similar(word, topn=10)
        except KeyError as exc:
            self._show_list(str(exc), [])
            return None
        self.last_neighbours = neighbours
        self._show_list(f"Nearest to '{word}'", neighbours)
        words = [word] + [w for w, _ in neighbours]
        pos = self.project_words(words)
        colours = np.array([rgba(HIT_COLOUR)] + [rgba(HIT_COLOUR, 0.6)] * len(neighbours), np.float32)
        self.scene.points("hits", pos, colours, size=11)
        self.scene.labels("hit_labels", pos, words, bold=True)
        self.highlight({"hit_labels": words})
        self.focus(pos)
        return neighbours

    def analogy(self) -> AnalogyResult | None:
        """A − B + C with the chosen method; list the top 10 and draw the parallelogram."""
        if self.store is None:
            return None
        a, b, c = (e.text().strip().lower() for e in (self.a_edit, self.b_edit, self.c_edit))
        try:
            result = self.store.analogy(a, b, c, topn=10, method=self.method_box.currentData())
        except (KeyError, ValueError) as exc:
            self._show_list(str(exc), [])
            return None
        self.last_analogy = result
        in_plane = self.pca_radio.isChecked() and self._draw_in_plane_of(a, b, c)
        self._show_list(f"{a} − {b} + {c} ({self.method_box.currentText()})", result.answers)
        self.results_title.setText(self.results_title.text() + f"<br><span style='color:gray; font-weight:normal'>"
                                   f"{self.analogy_note(result)}</span>")
        if in_plane:
            self.results_title.setText(self.results_title.text() + "<br><span style='color:gray; font-weight:normal'>"
                                       f"Drawn on the axes {b}→{c} and {b}→{a}, the flat plane where the sum "
                                       "really lies (PCA would put it beside other words).</span>")
        pa, pb, pc = self.project_words([a, b, c])
        target = self.project_vector(self.store.unit_vector(a) - self.store.unit_vector(b) + self.store.unit_vector(c))
        answer = self.project_words([result.top])[0]
        self.scene.arrows("arrows", [pb, pa, pa], [pc, target, answer], OFFSET_COLOUR, width=3, head=0.06)
        self.scene.points("answer", np.array([pa, pb, pc, target, answer]),
                          np.array([rgba(HIT_COLOUR)] * 3 + [rgba(ANSWER_COLOUR, 0.5), rgba(ANSWER_COLOUR)],
                                   np.float32), size=12)
        self.scene.arrows("answer_link", [target], [answer], ANSWER_COLOUR, width=2, head=0.04)  # sum → answer
        self.scene.labels("answer_labels", np.array([pa, pb, pc, answer, target]),
                          [a, b, c, result.top, f"{a} − {b} + {c}"], bold=True)
        self.highlight({"answer_labels": [a, b, c, result.top]})
        self.focus(np.array([pa, pb, pc, answer]))
        return result

    def _draw_in_plane_of(self, a: str, b: str, c: str) -> bool:
        """Switch to the axes b→c and b→a: a − b + c lies exactly in their plane, so the drawing shows the sum
        where it is. Under PCA it lands beside other words (king − man + woman next to prince)."""
        self.axis_edits[0].setText(f"{b}:{c}")
        self.axis_edits[1].setText(f"{b}:{a}")
        self.axes_radio.setChecked(True)  # unticks PCA, which rebuilds the cloud with these axes
        self.scene.face(elevation=70, azimuth=-90)  # from above the plane, tilted a little: b→c right, b→a up
        return self.projection is not None and not self.projection.explained  # (PCA again if the axes failed)

    def analogy_note(self, result: AnalogyResult) -> str:
        """What the answer list leaves out, in numbers: the typed words, and how well the two steps agree."""
        a, b, c, top = result.a, result.b, result.c, result.top
        parts = []
        if result.excluded:
            nearest, score = self.store.analogy(a, b, c, topn=1, method=result.method, exclude_query=False).answers[0]
            parts.append(f"{a}, {b} and {c} are left out of the list" + (
                f"; counted in, {nearest} itself is nearest ({score:.3f})" if nearest in (a, b, c) else ""))
        u = self.store.unit_vector
        step_bc, step_ad = u(c) - u(b), u(top) - u(a)
        agree = float(step_bc @ step_ad / (np.linalg.norm(step_bc) * np.linalg.norm(step_ad) + 1e-12))
        how = "almost the same way" if agree >= 0.9 else "roughly the same way" if agree >= 0.5 else "different ways"
        parts.append(f"the steps {b}→{c} and {a}→{top} point {how} (cosine {agree:.2f})")
        return ". ".join(p[0].upper() + p[1:] for p in parts) + "."

    def focus(self, points: np.ndarray) -> None:
        """Turn the camera towards ``points`` (n, 3) and come close enough to read their labels."""
        centre = points.mean(axis=0)
        spread = float(np.linalg.norm(points - centre, axis=1).max()) if len(points) > 1 else 0.3
        self.scene.frame(centre, max(0.4, 1.25 * spread))  # room for the labels around them, little more

    def odd_one_out(self) -> str | None:
        if self.store is None:
            return None
        words = [w.lower() for w in self.odd_edit.text().replace(",", " ").split()]
        try:
            ranked = self.store.odd_one_out(words)
        except (KeyError, ValueError) as exc:
            self.odd_label.setText(str(exc))
            return None
        self.odd_label.setText(f"<b>{ranked[0][0]}</b> fits least (cosine to the group's average direction: "
                               + ", ".join(f"{w} {s:.2f}" for w, s in ranked) + ")")
        return ranked[0][0]

    # -- smoothness -------------------------------------------------------------------------
    def measure_fps(self, seconds: float = 2.0) -> float:
        """Spin the view for ``seconds``, repainting as fast as possible; returns frames per second."""
        fps = spin_fps(self.scene.view, seconds)
        self.last_fps = fps
        self.fps_label.setText(f"{fps:.0f} frames per second with {len(self.rows):,} points"
                               + ("" if self.scene.is_3d else " (2D view)"))
        return fps

