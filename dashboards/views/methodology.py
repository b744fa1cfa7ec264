"""Methodology: how every metric and comparison is made, rendered from the same source as
docs/methodology.md."""

import streamlit as st

from dashboards.session import open_view
from pipeline.benchmarks.methodology import render

open_view("methodology")


@st.cache_resource(show_spinner=False)
def methodology_text() -> str:
    return render()


st.markdown(methodology_text())
