"""Downloads: benchmark tables as CSV or Excel, as this account may see them (disclosure control
for all but the steering group), written so that no cell can run as a spreadsheet formula."""

import streamlit as st

from dashboards import data
from dashboards.session import download_link, open_view

TABLES = {
    "positions": "Positions: each signatory against each peer group, by metric",
    "group_stats": "Peer group statistics: median, quartiles and 95% interval, by metric",
    "sector_trends": "Sector trends across stages",
    "metric_values": "Metric values of each accepted return",
    "tracker": "Submission tracker",
    "hesa_reconciliation": "HESA reconciliation",
    "appendix_a_adoption": "Appendix A activities: sector adoption",
    "metric_catalogue": "Metric definitions",
    "peer_groups": "Peer groups",
}

frame = open_view("downloads")
viewer, snap = frame.viewer, frame.snap
if viewer.role == "steering":
    st.caption("You see every table in full, with names and exact counts.")
else:
    st.caption("Tables are published to you with disclosure control: other signatories appear as “Peer N”, "
               "counts are rounded to 5 (“<5” under 5), and group figures from fewer than 5 signatories are withheld"
               + (". Your own institution keeps its name and exact figures." if viewer.role == "institution" else "."))

name = st.selectbox("Table", list(TABLES), format_func=TABLES.get, key="downloads_table")
table = data.sector_table(snap, viewer, name)
st.caption(f"{table.height:,} rows × {table.width} columns (first 200 shown).")
st.dataframe(table.head(200), hide_index=True, width="stretch")
c1, c2 = st.columns(2)
# The file is made when the link is followed, for this sign-in only, and the link expires in minutes.
with c1:
    download_link("Download CSV", "sector_table", name=name, fmt="csv")
with c2:
    download_link("Download Excel", "sector_table", name=name, fmt="xlsx")
