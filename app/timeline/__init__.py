"""The timeline: small pyqtgraph items stacked in `TimelineWidget` (view.py)."""
