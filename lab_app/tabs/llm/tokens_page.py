"""Page "Words are numbers": the same text through a word dictionary and through BPE, colour-coded."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QPlainTextEdit, QTextBrowser, QVBoxLayout, QWidget

from lab_app.tabs.llm.common import Debouncer, call_job, escape, story_world_text
from lab_app.tabs.page import LabPage

DEFAULT_TEXT = "Hey, how are you? My dog's name is Ben. Ben likes to play fetch with his friend Zephyrine."
PALETTE = ("#d0ebff", "#d3f9d8", "#fff3bf", "#ffe3e3", "#e5dbff", "#c5f6fa", "#ffe8cc", "#f3d9fa")
UNKNOWN_STYLE = "background:#e03131; color:white; font-weight:bold"

EXPLAINER = """
<p>A model cannot read letters; it only does arithmetic. So text is cut into <b>tokens</b> and every token is
looked up in a fixed list, the <i>vocabulary</i>: its position in that list is its number. The first box uses
whole words: simple, but any word that is not in its list turns into the same <span style='color:#e03131'>
&lt;unk&gt;</span> (unknown) number and its meaning is lost. The second box uses <b>BPE</b> (byte-pair encoding,
the scheme GPT models use): it starts from single bytes and learned to glue the pairs it saw most often into
bigger pieces, so frequent words are one token and rarer ones a few pieces — but nothing is ever unknown.
The number is only a name tag: inside the model each number is swapped for a long list of learned numbers (a
vector; 128 of them in story-gpt), and all later steps work on those lists.</p>
<p>Both tokenizers learned their vocabulary from the small story-world text, not from English at large. Words
the stories use come out whole; ordinary words they never use, such as “long”, are unknown to the word
dictionary and cut into pieces by BPE. The stories are written in lower case: the word dictionary lowers every
letter before looking a word up, BPE keeps capitals, so “Ben” falls into pieces while “ben” is one token.</p>
<p>Once a GPT-2 has been added (“Get GPT-2…” on the page Under the hood), a third box cuts the same text with
its own tokenizer: byte-level BPE as well, but the real GPT-2 learned its 50,257 pieces from millions of web
pages, so most everyday English words are a single piece, space included.</p>
"""


def build_tokenizers():
    """Word and BPE tokenizers learned from the story world (about half a second)."""
    from engines.llm.tokenizers import BPETokenizer, WordTokenizer

    text = story_world_text()
    return WordTokenizer.train(text, max_vocab=5000), BPETokenizer.train(text, vocab_size=1000)


def load_gpt2_tokenizer():
    """``(model info, tokenizer)`` of the GPT-2 that was added, or None when there is none."""
    from engines.llm.gpt2_install import installed_gpt2
    from engines.llm.model_store import load_model_tokenizer

    info = installed_gpt2()
    return (info, load_model_tokenizer(info["path"])) if info else None


SPACE = "␣"  # GPT-2's vocabulary writes a leading space as "Ġ"; shown here as a visible space mark


def gpt2_title_text(info, tokenizer) -> str:
    params = f", a model of {info['parameters']:,} parameters" if info.get("parameters") else ""
    return (f"<b>{escape(info['name'])}'s tokens</b> — {tokenizer.vocab_size:,} pieces in its vocabulary{params}. "
            f"{SPACE} marks a space: GPT-2's byte-level BPE glues it to the front of the next word (its vocabulary "
            f"file writes it “Ġ”)")


NO_GPT2_TEXT = ("<span style='color:gray'><b>GPT-2's tokens</b>: add GPT-2 with “Get GPT-2…” on the page Under "
                "the hood to see the same text cut into its 50,257 pieces here.</span>")


def word_title_text(tokenizer) -> str:
    """The word dictionary's size, split into the story world's words and marks plus the special entries."""
    specials = list(tokenizer.specials)
    words = [w for w in tokenizer.vocab if w not in specials and w != "\n"]
    shown = ", ".join(escape(w) for w in specials)
    return (f"<b>Word dictionary</b> — {tokenizer.vocab_size:,} entries: the {len(words):,} different words and "
            f"punctuation marks of the story world, the line break and {len(specials)} special tokens ({shown}). "
            f"Anything else is {escape(tokenizer.vocab[tokenizer.unk_id])} (id {tokenizer.unk_id}).")


# Drawing more coloured tokens than this makes the text view take seconds (a pasted book): the rest is counted.
MAX_SHOWN_TOKENS = 2000


def tokens_html(text: str, spans, strings: list[str], unknown_label: str = "&lt;unk&gt;",
                limit: int = MAX_SHOWN_TOKENS) -> str:
    """HTML with each token's text on a coloured background and its id in small type after it.

    Only the first ``limit`` tokens are drawn; a line after them says how many more there are.
    """
    if len(spans) > limit:
        more = len(spans) - limit
        shown = tokens_html(text[: spans[limit - 1][1]], spans[:limit], strings[:limit], unknown_label, limit)
        return shown + (f"<p style='color:#868e96'>… and {more:,} more tokens, not drawn here "
                        "(the counts on the left include them).</p>")
    parts, pos = [], 0
    for i, ((start, end, token_id, unknown), piece) in enumerate(zip(spans, strings)):
        if start > pos:
            parts.append(escape(text[pos:start]).replace("\n", "<br>"))
        shown = escape(text[start:end]).replace(" ", "&nbsp;").replace("\n", "↵<br>") or escape(piece)
        style = UNKNOWN_STYLE if unknown else f"background:{PALETTE[i % len(PALETTE)]}; color:#111"
        label = f"{unknown_label}&nbsp;{token_id}" if unknown else str(token_id)
        parts.append(f"<span style='{style}'>{shown}</span><sub style='color:#868e96'>{label}</sub> ")
        pos = max(pos, end)
    if pos < len(text):
        parts.append(escape(text[pos:]))
    return "<div style='font-size:16px; line-height:160%'>" + "".join(parts) + "</div>"


class TokensPage(LabPage):
    def __init__(self, ctx, spec, parent: QWidget | None = None) -> None:
        super().__init__(ctx, spec, parent)
        self.word_tok = self.bpe_tok = None
        self.result: dict | None = None
        self.runner = self.new_runner("tokenizers", show_in_status_bar=False)
        self.runner.finished.connect(self._on_tokenizers)
        self.gpt2_runner = self.new_runner("GPT-2 tokenizer", show_in_status_bar=False)
        self.gpt2_runner.finished.connect(self._on_gpt2)

        self.controls.addWidget(QLabel("Type anything:"))
        self.text_box = QPlainTextEdit(DEFAULT_TEXT)
        self.text_box.setMinimumHeight(160)
        self.controls.addWidget(self.text_box)
        self.counts_label = QLabel("Learning the two vocabularies…")
        self.counts_label.setWordWrap(True)
        self.controls.addWidget(self.counts_label)
        hint = QLabel("Try a made-up word, a name, a typo, or an emoji: the word dictionary gives up "
                      "(red), BPE splits it into pieces.")
        hint.setWordWrap(True)
        hint.setStyleSheet("color: gray")
        self.controls.addWidget(hint)

        host = QWidget()
        layout = QVBoxLayout(host)
        layout.setContentsMargins(0, 0, 0, 0)
        self.word_title = QLabel("<b>Word dictionary</b>")
        self.word_view = QTextBrowser()
        self.bpe_title = QLabel("<b>BPE tokens</b>")
        self.bpe_view = QTextBrowser()
        self.gpt2_title = QLabel(NO_GPT2_TEXT)
        self.gpt2_view = QTextBrowser()
        self.gpt2_view.setVisible(False)
        self.gpt2 = None
        for w in (self.word_title, self.word_view, self.bpe_title, self.bpe_view, self.gpt2_title, self.gpt2_view):
            layout.addWidget(w)
        for title in (self.word_title, self.bpe_title, self.gpt2_title):
            title.setWordWrap(True)  # a long title would otherwise widen the window past 1280 px
        self.set_picture(host)
        self.set_explainer(EXPLAINER)

        self.debounce = Debouncer(self, 120, self.refresh)
        self.text_box.textChanged.connect(self.debounce.poke)
        self.runner.start(lambda cancel: call_job(build_tokenizers), label="Learning tokenizers")

    def showEvent(self, event) -> None:  # noqa: N802 - a GPT-2 added meanwhile shows up here
        from engines.llm.gpt2_install import installed_gpt2

        info = installed_gpt2()
        if (info["path"] if info else None) != (self.gpt2[0]["path"] if self.gpt2 else None):
            self.gpt2_runner.start(lambda cancel: call_job(load_gpt2_tokenizer), label="Reading GPT-2's tokenizer")
        super().showEvent(event)

    def _on_gpt2(self, gpt2) -> None:
        self.gpt2 = gpt2
        self.gpt2_view.setVisible(gpt2 is not None)
        self.gpt2_title.setText(gpt2_title_text(*gpt2) if gpt2 else NO_GPT2_TEXT)
        self.refresh()

    def _on_tokenizers(self, result) -> None:
        self.word_tok, self.bpe_tok = result
        self.word_title.setText(word_title_text(self.word_tok))
        self.bpe_title.setText(f"<b>BPE tokens</b> — {self.bpe_tok.vocab_size:,} pieces (256 single bytes + "
                               "merges learned from the story world); never unknown")
        self.refresh()

    def refresh(self) -> None:
        """Re-tokenize the text (microseconds of dictionary look-ups: fine on the GUI thread)."""
        if self.word_tok is None:
            return
        text = self.text_box.toPlainText()
        word_spans = self.word_tok.spans(text)
        word_strings = [text[s:e] for s, e, _, _ in word_spans]
        bpe_spans = self.bpe_tok.spans(text)
        bpe_strings = self.bpe_tok.token_strings([i for _, _, i, _ in bpe_spans])
        self.word_view.setHtml(tokens_html(text, word_spans, word_strings))
        self.bpe_view.setHtml(tokens_html(text, bpe_spans, bpe_strings))
        unknown = [text[s:e] for s, e, _, u in word_spans if u]
        self.result = {"word_ids": [i for _, _, i, _ in word_spans], "bpe_ids": [i for _, _, i, _ in bpe_spans],
                       "unknown": unknown}
        gpt2_line = ""
        if self.gpt2 is not None:
            gpt2_spans = self.gpt2[1].spans(text)
            ids = [i for _, _, i, _ in gpt2_spans]
            pieces = [p.replace("Ġ", SPACE).replace("Ċ", "↵") for p in self.gpt2[1].raw_tokens(ids)]
            # the same text with every space made visible (one character for one: the spans still fit)
            self.gpt2_view.setHtml(tokens_html(text.replace(" ", SPACE), gpt2_spans, pieces))
            self.result.update(gpt2_ids=ids, gpt2_pieces=pieces)
            gpt2_line = f"<br><b>{len(ids)}</b> {escape(self.gpt2[0]['name'])} tokens"
        listed = ", ".join(f"“{escape(w)}”" for w in unknown[:6]) + ("…" if len(unknown) > 6 else "")
        self.counts_label.setText(
            f"<b>{len(text)}</b> characters<br><b>{len(word_spans)}</b> word tokens"
            f" (<span style='color:#e03131'><b>{len(unknown)}</b> unknown</span>{': ' + listed if unknown else ''})"
            f"<br><b>{len(bpe_spans)}</b> BPE tokens{gpt2_line}")
