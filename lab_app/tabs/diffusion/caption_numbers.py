"""The caption as numbers: a heatmap with one row per word (GloVe clue) or phrase (MiniLM clue), each row
the 64 numbers the network reads, labelled with what it stands for."""

from __future__ import annotations

import numpy as np

from lab_app.plotting import pg, themed
from lab_app.tabs.diffusion.caption_text import words_html


def caption_heatmap():
    """(plot, image item, placeholder) for :func:`show_encoding`."""
    from lab_app.widgets.placeholder import Placeholder

    g = pg()
    plot = themed(g.PlotWidget(title="The caption as numbers"))
    plot.setMinimumWidth(120)
    plot.invertY(True)
    plot.setMouseEnabled(x=False, y=False)
    plot.setLabel("bottom", "64 numbers per row")
    plot.getAxis("left").setTickSpacing(5, 1)
    item = g.ImageItem(np.zeros((2, 64)), levels=(-1, 1))
    item.setColorMap(g.colormap.get("CET-D1"))
    plot.addItem(item)
    placeholder = Placeholder(plot, "Press <b>Generate</b>: each word of the caption "
                                    "becomes a row of 64 numbers here, labelled with the word.")
    return plot, item, placeholder


def show_encoding(plot, item, placeholder, words_label, encoded, phrases: bool) -> None:
    """Draw the first caption's rows (row 0: the start marker) and say what was read."""
    rows = int(encoded.mask[0].sum())
    tokens = np.asarray(encoded.tokens[0][:max(rows, 1)])
    limit = float(np.abs(tokens).max()) or 1.0
    item.setImage(tokens, levels=(-limit, limit))
    plot.setRange(xRange=(0, tokens.shape[1]), yRange=(0, tokens.shape[0]), padding=0)
    plot.setLabel("left", "one row per phrase" if phrases else "one row per word")
    names = ["(start)", *encoded.words[0]][:tokens.shape[0]]  # row 0 is the start marker, then the words read
    plot.getAxis("left").setTicks([[(i + 0.5, name) for i, name in enumerate(names)]])
    placeholder.clear()
    words_label.setText(words_html(encoded, tokens))
