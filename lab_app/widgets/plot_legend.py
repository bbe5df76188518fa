"""A plot legend in a row of its own under the x axis, where it can never cover a curve."""

from __future__ import annotations

from lab_app.plotting import pg


def legend_below(plot, curves=None):
    """Add a one-row legend under ``plot``'s x axis (a pyqtgraph PlotWidget) naming ``curves`` (default: every
    named data item); returns it. Inside the plot a legend sits over whichever curve passes its corner."""
    item = plot.getPlotItem()
    curves = list(curves) if curves is not None else [c for c in item.listDataItems() if c.name()]
    legend = pg().LegendItem(colCount=max(1, len(curves)))
    for curve in curves:
        legend.addItem(curve, curve.name())
    item.layout.addItem(legend, 4, 1)  # rows: title, top axis, plot, bottom axis; row 4 is free
    return legend
