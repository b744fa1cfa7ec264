"""Peer review: calibration (being built)."""

from dashboards.session import open_view

frame = open_view("calibration")
