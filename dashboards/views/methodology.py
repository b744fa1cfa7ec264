"""Methodology: how every metric and comparison is made, rendered from the same source as
docs/methodology.md."""

import streamlit as st

from dashboards.session import open_view
from pipeline.benchmarks.methodology import render

open_view("methodology")


@st.cache_resource(show_spinner=False)
def methodology_text() -> str:
    """The document without its own title and its note to developers (the page has a title)."""
    lines = render().splitlines()
    return "\n".join(line for line in lines[1:] if not line.startswith("_Generated from the code")).strip()


st.markdown(methodology_text())
