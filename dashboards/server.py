"""The dashboard's web server: ``streamlit run dashboards/server.py`` (``techbench serve`` does it).

Streamlit serves ``app.py`` behind techbench's own front door (``dashboards.web``): the sign-in
page, the gate every request passes, and downloads by ticket. An error in a view is logged with a
reference and the user sees only the reference, never a traceback.
"""

import logging
import secrets

import streamlit as st

from dashboards import exports, web

log = logging.getLogger("techbench.web")
if not log.handlers:  # the server's log (standard error): sign-ins, downloads, refusals, errors with references
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False


def script_error(exc: Exception) -> bool:
    reference = secrets.token_hex(4)
    log.error("error in a view (reference %s)", reference, exc_info=exc)
    st.error(f"Something went wrong on this page. It has been logged with reference {reference}: "
             "please try again, or give the reference to the techbench team.", icon=":material/error:")
    return True  # shown instead of Streamlit's own report


exports.register()
app = st.App("app.py", routes=web.routes(), middleware=web.middleware(), on_script_error=script_error)
