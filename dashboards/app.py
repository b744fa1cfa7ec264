"""The techbench dashboard: ``streamlit run dashboards/app.py`` (``techbench serve`` does it for you).

This file only routes: it builds the navigation for the signed-in account's role from
``session.VIEWS`` (signing in happens before, on ``dashboards.web``'s sign-in page). Each view under ``views/`` checks the role again itself, and reads data only
through ``dashboards.data``, which applies the access rules.
"""

import streamlit as st

from dashboards.session import VIEWS, current_viewer, sidebar, signed_out_page, views_for

st.set_page_config(page_title="techbench", page_icon=":material/insights:", layout="wide")

viewer = current_viewer()
if viewer is None:
    # The session ended while the page was open: every address says so and links to the sign-in page.
    page = st.navigation([st.Page(signed_out_page, title="Sign in", icon=":material/login:", default=True)]
                         + [st.Page(signed_out_page, title="Sign in", url_path=v.key) for v in VIEWS], position="hidden")
else:
    sidebar(viewer)
    page = st.navigation([st.Page(v.file, title=v.title, icon=v.icon, url_path=v.key) for v in views_for(viewer.role)])
page.run()
