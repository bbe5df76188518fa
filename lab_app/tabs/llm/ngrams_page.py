"""Page "The spreadsheet": next-word counts for 1–3 words of context, and how big a full table would be."""

from __future__ import annotations

import math

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QButtonGroup, QHBoxLayout, QLabel, QPushButton, QRadioButton, QSlider,
                               QTextBrowser, QVBoxLayout, QWidget)

from engines.llm.ngrams import cells_needed, context_to_outnumber, dense_bytes
from lab_app.tabs.llm.common import Debouncer, ModelPicker, call_job, escape, human_count, story_world_text
from lab_app.tabs.llm.prob_bars import ProbabilityBars
from lab_app.tabs.page import LabPage
from lab_app.widgets.count_sheet import CELL_SIZES, CountSheet
from lab_app.widgets.wrapping_field import WrappingField

BEN = "my dog's name is ben. ben likes to play"  # the Next word page offers the same prompt
PRESETS = ("are", "how are", "hey how are", BEN)
BIG_VOCAB = 50_000
TOP = 15
BARS = 4  # rows in each of the two small bar charts (the table's guess and the transformer's)
EARTH_ATOMS = 1.3e50  # the usual estimate of how many atoms make up the Earth

EXPLAINER = f"""
<p>The oldest way to guess the next word is to <b>count</b>. Go through a lot of text and, for every word or
short run of words, note which word came next: after “are”, after “how are”… The counts make a giant spreadsheet
with one row per context and one column per possible next word; dividing a row by its total gives probabilities.
More words of context give sharper guesses, but the table grows as <i>vocabulary</i><sup>words+1</sup>. With a
{BIG_VOCAB:,}-word vocabulary, one word of context already needs {human_count(cells_needed(BIG_VOCAB, 2))} cells,
two words {human_count(cells_needed(BIG_VOCAB, 3))} and three words {human_count(cells_needed(BIG_VOCAB, 4))}
(see the size table): at 4 bytes a cell, {human_count(dense_bytes(BIG_VOCAB, 4) / 1e12)} terabytes. Only
from {context_to_outnumber(BIG_VOCAB, EARTH_ATOMS)} words of context on would the cells outnumber the atoms of the
whole Earth (about {human_count(EARTH_ATOMS)}). And almost every row would be empty, because that exact phrase never
occurred. When a phrase was never seen the table has nothing to say and has to fall back to a shorter context. A
transformer replaces the table with a fixed set of learned numbers (its <i>parameters</i>) that turn any context
into a guess, including contexts it never saw word for word.</p>
<p>Notice the opening example: with 3 words of context the table sees only “likes to play”. It cannot see “dog”,
so it is stuck near 50/50 between fetch and soccer. The transformer in the bars below reads the whole prompt and
is almost sure.</p>
"""


def build_ngrams():
    from engines.llm.ngrams import NGramModel

    return NGramModel.from_text(story_world_text())


class NGramsPage(LabPage):
    def __init__(self, ctx, spec, parent: QWidget | None = None) -> None:
        super().__init__(ctx, spec, parent)
        self.model = None
        self.table = None  # the last NextWordTable
        self._vocab = None  # every word, most frequent first: the order of the sheet's rows and columns
        self.runner = self.new_runner("n-grams")
        self.runner.finished.connect(self._on_built)
        self.gpt_runner = self.new_runner("transformer guess", show_in_status_bar=False)
        self.gpt_runner.finished.connect(self._on_gpt_guess)
        self.gpt_runner.failed.connect(lambda failure: self.gpt_bars.set_placeholder(f"No transformer guess: "
                                                                               f"{escape(failure.message)}"))

        self.controls.addWidget(QLabel("Words typed so far:"))
        self.context_edit = WrappingField(BEN)  # the whole context shows, on as many lines as it needs
        self.controls.addWidget(self.context_edit)
        self.controls.addWidget(QLabel("Words of context the table looks at:"))
        row = QHBoxLayout()
        self.n_group = QButtonGroup(self)
        for n in (1, 2, 3):
            button = QRadioButton(str(n))
            self.n_group.addButton(button, n)
            row.addWidget(button)
        self.n_group.button(3).setChecked(True)
        self.controls.addLayout(row)
        self.controls.addWidget(QLabel("Examples:"))
        for text in PRESETS:
            button = QPushButton("“…" + " ".join(text.split()[-4:]) + "”" if len(text) > 24 else f"“{text}”")
            button.setToolTip(text)
            button.clicked.connect(lambda _=False, t=text: self.use_preset(t))
            self.controls.addWidget(button)
        self.used_label = QLabel("Counting the story world…")
        self.used_label.setWordWrap(True)
        self.controls.addWidget(self.used_label)
        self.controls.addWidget(QLabel("Compare with the transformer:"))
        self.picker = ModelPicker()
        self.controls.addWidget(self.picker)

        host = QWidget()
        layout = QVBoxLayout(host)
        layout.setContentsMargins(0, 0, 0, 0)
        self.sheet_label = QLabel("Counting the story world…")
        self.sheet_label.setWordWrap(True)
        layout.addWidget(self.sheet_label)
        self.sheet = CountSheet(self.sheet_window)
        self.sheet.setToolTip("Each row is a context, each column a next word, each number how often the text had "
                              "that pair; empty cells never occurred. The bar on the right is the whole table, top "
                              "to bottom: orange marks the rows on screen.")
        self.sheet.window_changed.connect(self._describe_sheet)
        layout.addWidget(self.sheet, 3)
        zoom_row = QHBoxLayout()
        zoom_row.addWidget(QLabel("Zoom out:"))
        self.zoom_slider = QSlider(Qt.Orientation.Horizontal)
        self.zoom_slider.setRange(0, len(CELL_SIZES) - 1)
        self.zoom_slider.valueChanged.connect(self.sheet.set_zoom)
        zoom_row.addWidget(self.zoom_slider, 1)
        zoom_row.addWidget(QLabel("each cell a dot"))
        layout.addLayout(zoom_row)
        bottom = QHBoxLayout()
        self.bars = ProbabilityBars("Next-word probabilities from counts")
        self.size_view = QTextBrowser()
        # the transformer's guess for the same words, right under the table's: a coin flip against certainty
        self.gpt_bars = ProbabilityBars("The transformer, reading every word typed")
        for bars in (self.bars, self.gpt_bars):
            bars.setMinimumSize(200, 90)
        guesses = QVBoxLayout()
        guesses.addWidget(self.bars, 1)
        guesses.addWidget(self.gpt_bars, 1)
        bottom.addLayout(guesses, 1)
        bottom.addWidget(self.size_view, 1)
        layout.addLayout(bottom, 3)  # 3:3 - the size table's three rows show at 1280×800 (3:2 cut the last)
        self.set_picture(host)
        self.set_explainer(EXPLAINER)

        self.debounce = Debouncer(self, 150, self.refresh)
        self.context_edit.textChanged.connect(self.debounce.poke)
        self.n_group.idToggled.connect(lambda _id, on: on and self.refresh())
        self.picker.model_changed.connect(lambda _name: self.refresh())
        self.runner.start(lambda cancel: call_job(build_ngrams), label="Counting n-grams")

    def showEvent(self, event) -> None:  # noqa: N802
        self.picker.refresh()
        super().showEvent(event)

    def use_preset(self, text: str) -> None:
        self.context_edit.setText(text)
        self.n_group.button(min(3, len(text.split()))).setChecked(True)
        self.refresh()

    def _on_built(self, model) -> None:
        self.model = model
        self.refresh()

    def context_words(self) -> list[str]:
        from engines.llm.tokenizers import split_words

        words = [w for w in split_words(self.context_edit.text()) if w != "\n"]
        n = self.n_group.checkedId()
        return words[-n:] if n > 0 else words

    def refresh(self) -> None:
        """Look up the row (dictionary look-ups, instant) and redraw."""
        if self.model is None:
            return
        words = self.context_words()
        self.table = self.model.next_word_table(words, top=TOP)
        self.sheet.refresh()
        self._ask_transformer()
        shown = " ".join(words) or "(nothing)"
        self.bars.title = f"The table, after “{shown}”"
        self.bars.set_items([(w, p, i) for i, (w, p, _) in enumerate(self.table.rows[:BARS])])
        if not self.table.rows:
            self.bars.set_placeholder("Type a word.")
        note = escape(self.table.message)
        self.used_label.setText(f"Looking at: <b>{escape(shown)}</b><br><span style='color:gray'>{note}</span>")
        self._update_sizes(len(words))

    # -- the transformer beside it ------------------------------------------------------------
    def _ask_transformer(self) -> None:
        from lab_app.tabs.llm.common import device_for
        from lab_app.tabs.llm.next_word_page import top_next_tokens

        name, prompt = self.picker.current_name(), self.context_edit.text()
        if name is None or not prompt.strip():
            self.gpt_runner.cancel()
            self.gpt_bars.set_placeholder("No transformer model found yet." if name is None else "Type a word.")
            return
        if not self.gpt_bars.items:
            self.gpt_bars.set_placeholder(f"Loading {name}…")
        args = (name, self.ctx.backend, device_for(self.ctx), self.ctx.current.threads, prompt)
        self.gpt_runner.start(lambda cancel: call_job(top_next_tokens, *args), label="Transformer guess")

    def _on_gpt_guess(self, result: dict) -> None:
        name = self.picker.current_name() or "The transformer"
        self.gpt_bars.title = f"{name}, reading all {len(result['tokens'])} tokens"
        self.gpt_bars.set_items([(c["text"].strip(), c["prob"], c["id"]) for c in result["candidates"][:BARS]])

    # -- the spreadsheet ----------------------------------------------------------------------
    def sheet_window(self, rows: int, columns: int):
        """The part of the full table that fits the sheet (dictionary look-ups, instant); None while counting."""
        from engines.llm.ngram_sheet import sheet_window, vocabulary_by_frequency

        if self.model is None:
            return None
        if self._vocab is None:
            self._vocab = vocabulary_by_frequency(self.model)
        return sheet_window(self.model, self.context_words(), self.n_group.checkedId(), rows, columns, self._vocab)

    def _describe_sheet(self) -> None:
        w = self.sheet.window
        if w is None:
            return
        n, (rows, cols) = w.n_context, w.counts.shape
        where = (f"rows {w.first_row + 1:,}–{w.first_row + rows:,}" if rows < w.total_rows else "every row")
        self.sheet_label.setText(
            f"<b>{n} word{'s' if n > 1 else ''} of context:</b> {w.total_rows:,} rows (one per possible context, "
            f"{w.vocab_size}<sup>{n}</sup>) × {w.vocab_size} next words = <b>{human_count(w.total_cells)}</b> cells; "
            f"the text filled {w.filled_cells:,} ({percent(w.filled_cells / w.total_cells)}). "
            f"On screen: {where} × {cols} columns, {percent(rows / w.total_rows)} of the rows.")

    def _update_sizes(self, n_context: int) -> None:
        from engines.llm.ngrams import cells_needed

        v = self.model.vocab_size
        info = self.picker.current_info()
        # a GPT-2 brings its real vocabulary: the last column uses it instead of a round 50,000 words
        gpt2 = bool(info and str(info.get("kind", "")).startswith("gpt2") and info.get("vocab_size"))
        big, big_name = (int(info["vocab_size"]), f"{escape(info['name'])}'s {int(info['vocab_size']):,} tokens") \
            if gpt2 else (BIG_VOCAB, f"{BIG_VOCAB:,} words")
        rows = []
        for k in (1, 2, 3):
            mark = " style='font-weight:bold'" if k == n_context else ""
            rows.append(f"<tr{mark}><td>{k}</td><td>{human_count(cells_needed(v, k + 1))}</td>"
                        f"<td>{human_count(self.model.filled_cells(k))}</td>"
                        f"<td>{human_count(cells_needed(big, k + 1))}</td></tr>")
        if info and info.get("parameters"):
            gpt = (f"<p>The transformer <b>{escape(info['name'])}</b> has <b>{human_count(info['parameters'])}</b> "
                   f"parameters ({info['parameters']:,}) and looks at up to {info.get('block_size')} tokens of "
                   "context at once.</p>")
            if gpt2:
                gpt += gpt2_comparison(info)
        else:
            gpt = "<p>No transformer model found yet to compare with.</p>"
        self.size_view.setHtml(  # 99 %: a table filling the box comes out 1 px too wide
            f"<p><b>How big is the spreadsheet?</b> The story world uses {v:,} different words and punctuation "
            "marks.</p>"
            "<table border='1' cellspacing='0' cellpadding='3' width='99%'><tr><th>words of context</th>"
            f"<th>cells for {v:,} words</th><th>cells the text filled</th><th>cells for {big_name}</th></tr>"
            + "".join(rows) + "</table>" + gpt)


def gpt2_comparison(info: dict) -> str:
    """GPT-2's parameters against a count table over its own vocabulary, for 1 token and for its whole window."""
    vocab, params, window = int(info["vocab_size"]), int(info["parameters"]), int(info.get("block_size") or 1024)
    one = cells_needed(vocab, 2)
    digits = int((window + 1) * math.log10(vocab)) + 1
    return (f"<p>A table over its {vocab:,}-token vocabulary needs {human_count(one)} cells for just one token of "
            f"context: {one / params:,.0f} times its parameter count. For its whole window of {window:,} tokens "
            f"it would need {vocab:,}<sup>{window + 1:,}</sup> cells, a number {digits:,} digits long. The "
            f"transformer's {human_count(params)} numbers stand in for all of that.</p>")


def percent(share: float) -> str:
    """0.0154 → '1.5%', 4.2e-8 → '0.0000042%': two significant digits, however small, never 'e-05'."""
    value = share * 100
    if value >= 10 or value == 0:
        return f"{value:.0f}%"
    digits = 1 - math.floor(math.log10(value))
    return f"{value:.{digits}f}%"
