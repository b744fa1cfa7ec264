"""Sector benchmarks (polars): metrics, peer groups, positions, trends, HESA reconciliation,
the submission tracker, Appendix A adoption, and disclosure control for publication."""
