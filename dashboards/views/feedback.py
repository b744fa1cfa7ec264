"""Peer review: feedback (being built)."""

from dashboards.session import open_view

frame = open_view("feedback")
