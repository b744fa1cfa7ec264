"""Peer review rounds: who reviews what (panel, assignment) and whether reviewers agree (calibration).

Pure library code: no storage and no UI. The defaults here (team size, the order of soft goals,
the minimum number of items for an agreement figure) are techbench's own, not the Technician
Commitment's, which publishes no such rules.
"""
