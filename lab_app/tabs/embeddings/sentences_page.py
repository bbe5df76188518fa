"""Page "Sentences as vectors": a similarity heatmap and a 2D map of sentences, two encoders, semantic search."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QComboBox, QFileDialog, QGroupBox, QHBoxLayout, QLabel, QLineEdit, QListWidget,
                               QListWidgetItem, QPushButton, QSplitter, QVBoxLayout, QWidget)

from engines.core.jobs import Progress
from engines.embeddings.sentences import EncodedSentences, SearchResult, encode_job, search_file_job
from lab_app.tabs.embeddings.sentence_pictures import SentenceMap, SimilarityHeatmap, short
from lab_app.tabs.page import LabPage
from lab_app.widgets.calm_progress import CalmProgressBar

PRESETS = ("lion is the king of the jungle", "the tiger hunts in this forest", "everybody loves new york",
           "dog bites man", "man bites dog")
EXAMPLES = {
    "Lions, tigers, a city, and word order": PRESETS,
    "Negation": ("the food was good", "the food was not good", "the food was bad", "the meal was delicious"),
    "Same meaning, other words": ("how do I reset my password", "I forgot my password, how can I change it",
                                  "the stock market fell sharply today", "shares dropped steeply on the markets",
                                  "the cat sleeps on the sofa"),
}
SAMPLE = "Sample: 143 sentences on many topics"

EXPLAINER = """
<p><b>One vector per sentence.</b> A sentence encoder turns a whole sentence into one list of numbers: 384 for the
transformer here, 50 for the GloVe average. Sentences that mean similar things get vectors that point the same
way. Each square of the grid is the cosine of two of them: 1 means the same direction, 0 means unrelated.</p>
<p><b>Average of word vectors.</b> Take each word's GloVe vector and average them. Cheap, but blind to order:
<i>dog bites man</i> and <i>man bites dog</i> get exactly the same vector, and <i>not</i> is just one more word
(try the Negation examples).
Little words like <i>the</i> and <i>is</i> pull every average the same way, so every score comes out high.</p>
<p><b>Transformer (all-MiniLM-L6-v2).</b> Six layers of attention let each word's vector take in the words around
it; then the word vectors are averaged. It was trained on about a billion pairs of related texts (questions and
their answers, titles and their posts, …) to put each pair close together, so it scores meaning far better than
shared words do. Still, it mostly catches what a sentence is about (a dog, a man, biting), much less who does what
to whom: word order changes the vector only a little, so the two dog sentences still score about 0.9, and
<i>the food was not good</i> lands nearer <i>…was bad</i> (0.94) than <i>…was good</i> (0.82), though close to
both.
The shipped copy stores its weights as 8-bit integers (23 MB instead of 90 MB); on 200 test sentences its
vectors agree with the full-precision model to a cosine of 0.998 or better.</p>
<p><b>The map</b> squeezes the vectors to two directions with PCA, so much is lost; the grid uses every number.
<b>Search</b> ranks each line of a text by the cosine of its vector with the query's: it can find lines that mean
the query even when they share none of its words.</p>
"""


class SentencesPage(LabPage):
    def __init__(self, ctx, spec, parent: QWidget | None = None) -> None:
        super().__init__(ctx, spec, parent)
        self.encoded: EncodedSentences | None = None
        self.search_result: SearchResult | None = None
        self.search_path: Path | None = None
        self._searched_once = False
        self.encoder_runner = self.new_runner("sentence encoder")
        self.encoder_runner.finished.connect(self._on_encoded)
        self.encoder_runner.failed.connect(lambda f: self.status_label.setText(f"Could not encode: {f.message}"))
        self.search_runner = self.new_runner("semantic search")
        self.search_runner.progress.connect(self._on_search_progress)
        self.search_runner.finished.connect(self._on_searched)
        self.search_runner.failed.connect(self._on_search_failed)
        self.search_runner.running_changed.connect(lambda running: self.search_button.setEnabled(not running))
        self._build_controls()
        self._build_picture()
        self.set_explainer(EXPLAINER)
        self.splitter.setSizes([320, 960])
        self.encode()

    # -- layout ---------------------------------------------------------------------------
    def _build_controls(self) -> None:
        self.encoder_box = QComboBox()
        self.encoder_box.addItem("Transformer (MiniLM, int8)", ("minilm", "int8"))
        from engines.embeddings.minilm import fp32_available

        if fp32_available("onnx"):
            self.encoder_box.addItem("Transformer (MiniLM, full precision)", ("minilm", "fp32"))
        self.encoder_box.addItem("Average of word vectors (GloVe)", ("average", "int8"))
        self.encoder_box.currentIndexChanged.connect(lambda _i: self.encode())
        self.controls.addWidget(QLabel("Encoder"))
        self.controls.addWidget(self.encoder_box)

        box = QGroupBox("Sentences")
        bl = QVBoxLayout(box)
        self.sentence_list = QListWidget()
        self.sentence_list.setMinimumHeight(140)
        bl.addWidget(self.sentence_list)
        self.sentence_edit = QLineEdit()
        self.sentence_edit.setPlaceholderText("Type a sentence and press Add")
        self.sentence_edit.returnPressed.connect(self.add_sentence)
        bl.addWidget(self.sentence_edit)
        self.examples_box = QComboBox()
        self.examples_box.addItems(list(EXAMPLES))
        self.examples_box.activated.connect(lambda _i: self.reset_sentences())
        self.examples_box.setToolTip("Example sets; Reset brings the chosen set back")
        bl.insertWidget(0, self.examples_box)
        row = QHBoxLayout()
        self.add_button, self.remove_button, self.reset_button = (QPushButton(t) for t in ("Add", "Remove", "Reset"))
        self.add_button.clicked.connect(self.add_sentence)
        self.remove_button.clicked.connect(self.remove_sentence)
        self.reset_button.clicked.connect(self.reset_sentences)
        for button in (self.add_button, self.remove_button, self.reset_button):
            row.addWidget(button)
        bl.addLayout(row)
        self.controls.addWidget(box)
        self.status_label = QLabel("Loading the encoder…")
        self.status_label.setWordWrap(True)
        self.controls.addWidget(self.status_label)
        self._fill_list(PRESETS)

    def _build_picture(self) -> None:
        host = QSplitter(Qt.Orientation.Vertical)
        top = QSplitter(Qt.Orientation.Horizontal)
        self.heatmap = SimilarityHeatmap()
        self.map = SentenceMap()
        top.addWidget(self.heatmap)
        top.addWidget(self.map)
        host.addWidget(top)
        from lab_app.widgets.placeholder import Placeholder

        # first sight: say what loads (a note on each picture: a splitter would make a note its own pane)
        self.loading = [Placeholder(self.heatmap, "Loading the sentence encoder and comparing the sentences…"),
                        Placeholder(self.map, "The sentences appear here as points, near when alike.")]
        self.encoder_runner.failed.connect(lambda f: self.loading[0].show_text(f"Could not encode: {f.message}")
                                           if self.encoded is None else None)

        search = QGroupBox("Semantic search: rank the lines of a text by meaning")
        sl = QVBoxLayout(search)
        row = QHBoxLayout()
        self.query_edit = QLineEdit("a big cat stalks its prey among the trees")
        self.query_edit.returnPressed.connect(self.search)
        self.search_button = QPushButton("Search")
        self.search_button.clicked.connect(self.search)
        row.addWidget(self.query_edit, 1)
        row.addWidget(self.search_button)
        sl.addLayout(row)
        row = QHBoxLayout()
        self.file_label = QLabel(SAMPLE)
        self.file_button = QPushButton("Open a text file…")
        self.file_button.clicked.connect(self.pick_file)
        self.sample_button = QPushButton("Use the sample")
        self.sample_button.clicked.connect(lambda: self.set_search_file(None))
        row.addWidget(self.file_label, 1)
        row.addWidget(self.file_button)
        row.addWidget(self.sample_button)
        sl.addLayout(row)
        self.search_progress = CalmProgressBar()
        self.search_progress.setVisible(False)
        sl.addWidget(self.search_progress)
        self.search_status = QLabel("")
        self.search_status.setWordWrap(True)
        sl.addWidget(self.search_status)
        self.results = QListWidget()
        sl.addWidget(self.results, 1)
        host.addWidget(search)
        host.setSizes([520, 300])
        self.set_picture(host)

    # -- sentences ------------------------------------------------------------------------
    def sentences(self) -> list[str]:
        return [self.sentence_list.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.sentence_list.count())]

    def _fill_list(self, texts) -> None:
        self.sentence_list.clear()
        for text in texts:
            self._append(text)

    def _append(self, text: str) -> None:
        item = QListWidgetItem(text)
        item.setData(Qt.ItemDataRole.UserRole, text)
        self.sentence_list.addItem(item)

    def _renumber(self) -> None:
        for i in range(self.sentence_list.count()):  # S1, S2, … as in the grid and the map
            item = self.sentence_list.item(i)
            item.setText(f"S{i + 1}  {item.data(Qt.ItemDataRole.UserRole)}")

    def add_sentence(self) -> None:
        text = " ".join(self.sentence_edit.text().split())
        if not text:
            return
        if len(self.sentences()) >= 12:
            self.status_label.setText("Twelve sentences at most: remove one first.")
            return
        self._append(text)
        self.sentence_edit.clear()
        self.encode()

    def remove_sentence(self) -> None:
        row = self.sentence_list.currentRow()
        if row >= 0:
            self.sentence_list.takeItem(row)
            self.encode()

    def reset_sentences(self) -> None:
        self._fill_list(EXAMPLES[self.examples_box.currentText()])
        self.encode()

    def encode(self) -> None:
        """Encode the listed sentences on the worker thread (the first time also loads the encoder)."""
        name, variant = self.encoder_box.currentData()
        texts = self.sentences()
        self._renumber()
        self.status_label.setText(f"Encoding with {self.encoder_box.currentText()}…")
        self.encoder_runner.start(lambda cancel: encode_job(name, texts, cancel, variant), label="Encode sentences")

    def _on_encoded(self, result: EncodedSentences) -> None:
        self.encoded = result
        for note in self.loading:
            note.clear()
        self.heatmap.show_matrix(result.similarity)
        self.map.show_points(result.coords, result.texts)
        lines = [f"{result.encoder}: {result.vectors.shape[1]} numbers per sentence, "
                 f"{len(result.texts)} sentences in {result.seconds * 1000:.0f} ms."]
        lines += [f"S{i + 1}: not in the word list: {', '.join(words)}" for i, words in result.unknown_words.items()]
        self.status_label.setText("\n".join(lines))
        if not self._searched_once:
            self.search()  # the first time: show what search does on the sample

    # -- search ---------------------------------------------------------------------------
    def pick_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "A text file to search (one passage per line)", "",
                                              "Text files (*.txt *.md *.csv);;All files (*)")
        if path:
            self.set_search_file(Path(path))

    def set_search_file(self, path: Path | None) -> None:
        self.search_path = path
        self.file_label.setText(SAMPLE if path is None else f"File: {short(path.name, 40)}")
        self.search()

    def search(self) -> None:
        name, variant = self.encoder_box.currentData()
        query, path = self.query_edit.text(), self.search_path
        self._searched_once = True
        self.search_status.setText("Searching…")
        self.search_progress.setValue(0)
        self.search_runner.start(lambda cancel: search_file_job(name, query, path, 8, cancel, variant),
                                 label="Semantic search")

    def _on_search_progress(self, progress: Progress) -> None:
        if progress.total:
            self.search_progress.setVisible(progress.total > 500)  # short texts finish before a bar helps
            self.search_progress.setMaximum(progress.total)
            self.search_progress.setValue(progress.step)

    def _on_searched(self, result: SearchResult) -> None:
        self.search_result = result
        self.search_progress.setVisible(False)
        self.results.clear()
        for hit in result.hits:
            self.results.addItem(f"{hit.score:.3f}   line {hit.line_no}: {hit.text}")
        self.search_status.setText(" ".join([f"{result.lines_searched:,} lines ranked by {result.encoder} in "
                                             f"{result.seconds:.1f} s."] + result.notes))

    def _on_search_failed(self, failure) -> None:
        self.search_progress.setVisible(False)
        self.results.clear()
        self.search_status.setText(f"Cannot search: {failure.message}")
