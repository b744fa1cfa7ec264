"""The techbench dashboard: ``streamlit run dashboards/app.py`` (``techbench serve`` does it for you).

This file only routes: it signs the user in and builds the navigation for their role from
``session.VIEWS``. Each view under ``views/`` checks the role again itself, and reads data only
through ``dashboards.data``, which applies the access rules.
"""

import streamlit as st

from dashboards.session import VIEWS, current_viewer, sidebar, sign_in_page, views_for

st.set_page_config(page_title="techbench", page_icon=":material/insights:", layout="wide")

viewer = current_viewer()
if viewer is None:
    # Every view's address leads to the sign-in form, so a shared link opens its view once signed in.
    page = st.navigation([st.Page(sign_in_page, title="Sign in", icon=":material/login:", default=True)]
                         + [st.Page(sign_in_page, title="Sign in", url_path=v.key) for v in VIEWS], position="hidden")
else:
    sidebar(viewer)
    page = st.navigation([st.Page(v.file, title=v.title, icon=v.icon, url_path=v.key) for v in views_for(viewer.role)])
page.run()
