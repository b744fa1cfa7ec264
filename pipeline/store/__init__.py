"""The warehouse (one DuckDB writer) and the published read-only snapshot."""
