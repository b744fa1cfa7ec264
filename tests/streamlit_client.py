"""A browserless client for a running techbench dashboard: plain HTTP for the sign-in page and
downloads, and Streamlit's own websocket protocol (protobuf ``BackMsg`` up, ``ForwardMsg`` down) for
the app, the way an attacker's script would speak it. Used by ``test_security.py``."""

from __future__ import annotations

import http.cookiejar
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field

from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

PAGE_TIMEOUT_S = 120


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@dataclass
class Reply:
    status: int
    headers: object  # case-insensitive, as http.client gives them
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


class Browser:
    """Cookies and plain HTTP requests against ``base`` (redirects are not followed: tests read them)."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self._opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), NoRedirect)

    def request(self, path: str, data: bytes | None = None, method: str | None = None,
                headers: dict[str, str] | None = None) -> Reply:
        req = urllib.request.Request(self.base + path, data=data, method=method, headers=headers or {})
        try:
            with self._opener.open(req, timeout=60) as r:
                return Reply(r.status, r.headers, r.read())
        except urllib.error.HTTPError as e:
            return Reply(e.code, e.headers, e.read())

    def cookie(self, name: str) -> str | None:
        return next((c.value for c in self.jar if c.name == name), None)

    def set_cookie(self, name: str, value: str) -> None:
        host = urllib.parse.urlsplit(self.base).hostname
        self.jar.set_cookie(http.cookiejar.Cookie(0, name, value, None, False, host, False, False, "/", True, False,
                                                  None, False, None, None, {}))

    def cookie_header(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.jar)

    def sign_in(self, username: str, password: str, next_path: str = "/") -> Reply:
        """Fill in and send the sign-in form (the form is fetched first, for its anti-forgery token)."""
        form = self.request("/signin")
        assert form.status == 200, f"no sign-in form: {form.status} {form.headers.get('Location')}"
        csrf = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)
        body = urllib.parse.urlencode({"csrf": csrf, "username": username, "password": password}).encode()
        query = "" if next_path == "/" else "?next=" + urllib.parse.quote(next_path, safe="")
        return self.request("/signin" + query, data=body, headers={"Origin": self.base})


@dataclass
class Run:
    """What one script run sent down the websocket."""

    session_id: str | None = None
    page_script_hash: str | None = None
    texts: list[str] = field(default_factory=list)  # every markdown, alert, heading and text body
    link_urls: list[str] = field(default_factory=list)
    widgets: dict[str, tuple[str, str]] = field(default_factory=dict)  # label -> (kind, widget id)
    fragments: list[str] = field(default_factory=list)  # ids of fragments that rerun themselves
    exceptions: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)  # every element's kind, in order

    def shows(self, text: str) -> bool:
        return any(text in t for t in self.texts)


class AppSession:
    """One Streamlit websocket session, with the cookies of ``browser``."""

    def __init__(self, browser: Browser, resume: str | None = None, with_cookies: bool = True) -> None:
        from streamlit.web.server.starlette.starlette_server_config import XSRF_COOKIE_NAME

        xsrf = browser.cookie(XSRF_COOKIE_NAME) or ""
        url = browser.base.replace("http", "ws", 1) + "/_stcore/stream"
        headers = {"Origin": browser.base}
        if with_cookies and browser.cookie_header():
            headers["Cookie"] = browser.cookie_header()
        self._connection = connect(url, subprotocols=["streamlit", xsrf or "none"] + ([resume] if resume else []),
                          additional_headers=headers, max_size=None, open_timeout=30)
        self.ws = self._connection.__enter__()
        self.session_id: str | None = None
        self.page_script_hash = ""

    def close(self) -> None:
        self._connection.__exit__(None, None, None)

    def __enter__(self) -> AppSession:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def run(self, query: str = "", page: str = "", widgets: list | None = None, fragment: str = "") -> Run:
        """Ask for a script run (as the browser does on load, on navigation and on a widget change)
        and collect what it sends until it finishes."""
        from streamlit.proto.BackMsg_pb2 import BackMsg
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        msg = BackMsg()
        state = msg.rerun_script
        state.query_string = query
        state.page_name = page
        state.page_script_hash = "" if page else self.page_script_hash
        if fragment:
            state.fragment_id = fragment
            state.is_auto_rerun = True
            state.page_script_hash = self.page_script_hash
        for widget in widgets or []:
            state.widget_states.widgets.append(widget)
        self.ws.send(msg.SerializeToString())
        run = Run()
        while True:
            fwd = ForwardMsg()
            fwd.ParseFromString(self.ws.recv(timeout=PAGE_TIMEOUT_S))
            kind = fwd.WhichOneof("type")
            if kind == "new_session":
                self.session_id = run.session_id = fwd.new_session.initialize.session_id
                self.page_script_hash = run.page_script_hash = fwd.new_session.page_script_hash
            elif kind == "delta":
                _collect(fwd.delta, run)
            elif kind == "auto_rerun" and fwd.auto_rerun.fragment_id:
                run.fragments.append(fwd.auto_rerun.fragment_id)
            elif kind == "script_finished":
                return run


def _collect(delta, run: Run) -> None:
    if delta.WhichOneof("type") != "new_element":
        return
    element = delta.new_element
    kind = element.WhichOneof("type")
    part = getattr(element, kind)
    run.kinds.append(kind)
    if kind == "exception":
        run.exceptions.append(f"{part.type}: {part.message}\n" + "\n".join(part.stack_trace))
    elif kind == "link_button":
        run.link_urls.append(part.url)
    if getattr(part, "id", "") and getattr(part, "label", ""):
        run.widgets[part.label] = (kind, part.id)
    if hasattr(part, "body"):
        run.texts.append(part.body)


def refused(browser: Browser, resume: str | None = None, with_cookies: bool = True) -> int | None:
    """The HTTP status a websocket handshake is refused with, or ``None`` when it is accepted."""
    try:
        AppSession(browser, resume, with_cookies).close()
    except InvalidStatus as exc:
        return exc.response.status_code
    return None


def button_press(widget_id: str):
    from streamlit.proto.WidgetStates_pb2 import WidgetState

    return WidgetState(id=widget_id, trigger_value=True)
