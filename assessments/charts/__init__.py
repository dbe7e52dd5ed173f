"""Results and portfolio charts: one specification, drawn twice.

- ``spec``: chart specifications, pure (plain data in, a ``ChartSpec`` out): categories,
  series, axes, colours, the text alternative and the data table, decided once.
- ``plotly_figures``: a spec as a Plotly figure, for the pages.
- ``svg`` (with its primitives in ``svg_drawing``): a spec as static SVG, for the PDF.
"""
