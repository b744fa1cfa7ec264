"""Peer review rounds: the rubric (rubric.py), who may review what (panel.py), proposed teams and
replacements after a recusal (assignment.py), and whether reviewers agree (calibration.py).

Pure library code: no storage and no UI. The defaults here (team size, the order of the soft goals
of assignment, the minimum number of items for an agreement figure) are techbench's own, not the
Technician Commitment's, which publishes no such rules.
"""
