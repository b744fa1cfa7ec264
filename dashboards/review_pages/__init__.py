"""The steering group's peer review pages, in parts: ``views/rounds.py`` (review rounds) and
``views/calibration.py`` (review calibration) draw them. Every figure and table comes from
``dashboards.review.ReviewStore``, whose methods check the steering role themselves."""
