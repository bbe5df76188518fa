"""Models, training loops, samplers and data for AI Lab.

Nothing under ``engines`` imports Qt, pyqtgraph or ``lab_app``: every engine runs
headless, from Python, from its CLI (``python -m engines.<name>``) and in tests.
"""
