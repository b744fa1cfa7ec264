"""The published benchmark tables as their readers see them: one query per table, joined to names and labels.

The dashboard and `techbench positions` read the snapshot through these, so both show the same
columns; disclosure control (``pipeline.benchmarks.disclosure``) is applied by the reader, per viewer.
"""

from __future__ import annotations

SECTOR_TABLES = {
    "positions": """
        SELECT p.signatory, s.name AS signatory_name, p.metric, c.name AS metric_name, c.unit, c.direction,
               p.group_id, g.label AS group_label, p.value, t.n, t.median, t.q1, t.q3, t.median_low, t.median_high,
               p.quintile, p.quintile_label, p.diff, p.diff_low, p.diff_high, p.wording
        FROM bench_positions p JOIN bench_metric_catalogue c USING (metric)
        JOIN bench_group_stats t USING (metric, group_id) JOIN bench_peer_groups g USING (group_id)
        JOIN signatories s ON s.slug = p.signatory ORDER BY p.signatory, p.metric, p.group_id""",
    "group_stats": """
        SELECT t.metric, c.name AS metric_name, c.unit, t.group_id, g.label AS group_label, t.n, t.median,
               t.q1, t.q3, t.median_low, t.median_high, t.ci_level
        FROM bench_group_stats t JOIN bench_metric_catalogue c USING (metric) JOIN bench_peer_groups g USING (group_id)
        ORDER BY t.metric, t.group_id""",
    "sector_trends": """
        SELECT t.metric, c.name AS metric_name, c.unit, t.stage, t.n, t.median, t.q1, t.q3
        FROM bench_sector_trends t JOIN bench_metric_catalogue c USING (metric) ORDER BY t.metric, t.stage""",
    "metric_values": """
        SELECT v.signatory, s.name AS signatory_name, v.stage, v.submission_id, v.metric, v.value, v.change
        FROM bench_metric_values v JOIN signatories s ON s.slug = v.signatory
        ORDER BY v.signatory, v.stage, v.metric""",
    "tracker": """
        SELECT t.signatory, s.name AS signatory_name, t.stage, t.due_basis, t.falls_due, t.window_opens, t.due,
               t.extended_from, t.status, t.submitted_at, t.days_late, t.submission_id
        FROM bench_tracker t JOIN signatories s ON s.slug = t.signatory ORDER BY s.name, t.stage""",
    "hesa_reconciliation": """
        SELECT h.signatory, s.name AS signatory_name, h.stage, h.academic_year, h.declared, h.hesa_proxy,
               h.total_staff, h.ratio, h.flag, h.note
        FROM bench_hesa_reconciliation h JOIN signatories s ON s.slug = h.signatory ORDER BY s.name, h.stage""",
    "appendix_a_adoption": "SELECT * FROM bench_appendix_a_adoption ORDER BY theme, activity_id",
    "metric_catalogue": "SELECT metric, name, definition, unit, direction, kind, headline FROM bench_metric_catalogue",
    "peer_groups": "SELECT group_id, kind, label, members FROM bench_peer_groups ORDER BY kind, label",
}


def positions_query(signatory: str | None = None, group: str | None = None,
                    metric: str | None = None) -> tuple[str, list[str]]:
    """The positions query narrowed to a signatory, a peer group and a metric (each optional)."""
    where, params = [], []
    for column, value in (("p.signatory", signatory), ("p.group_id", group), ("p.metric", metric)):
        if value:
            where.append(f"{column} = ?")
            params.append(value)
    sql = SECTOR_TABLES["positions"]
    if where:
        sql = sql.replace("ORDER BY", "WHERE " + " AND ".join(where) + " ORDER BY")
    return sql, params
