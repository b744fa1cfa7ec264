"""What the web server does before Streamlit sees a request: the sign-in gate, and the few routes of
techbench's own (the sign-in page, downloads).

Streamlit's only notion of a user is its session id, which the browser sends in the clear (in the
websocket handshake and in upload URLs) and which any client presenting it could resume. So the
signed-in state is *not* kept there. Signing in (``/signin``, a plain HTML form) creates a
server-side session in the account store and gives the browser its token in an HttpOnly, SameSite
cookie; then:

* every request but the sign-in page, the health check and the static bundle needs a live session
  cookie: anonymous clients get a redirect to ``/signin`` (pages) or 401 (anything else, the
  websocket included), so they never reach the app, its metrics or its error pages;
* Streamlit's metrics and agent endpoints are not served to anyone;
* a Streamlit session is bound to the sign-in session that first ran it (``bind``, called by
  ``dashboards.session`` on every run): a websocket that asks to resume a Streamlit session bound
  to another sign-in starts a fresh one instead, and an upload to such a session is refused;
* downloads are made when asked for, at ``/download/<ticket>``, by a ticket bound to the sign-in
  session that asked for it, expiring after ``TICKET_SECONDS``; the data are read there with the
  account's role as it is *then* (a disabled account gets nothing).

Sign-out, disabling an account and a new password end the server-side session, so the cookie stops
working in every tab at once. Sessions end after ``TECHBENCH_SESSION_IDLE_MINUTES`` (30) without a
step and ``TECHBENCH_SESSION_MAX_HOURS`` (12) after signing in.
"""

from __future__ import annotations

import hmac
import html
import logging
import os
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import parse_qs, quote, urlsplit

from dashboards.accounts import AccountError, AccountStore, SignInLocked, session_limits, token_hash

log = logging.getLogger("techbench.web")

COOKIE = "techbench_session"
CSRF_COOKIE = "techbench_signin"
SIGN_IN = "/signin"
DOWNLOAD = "/download/"
TICKET_SECONDS = 10 * 60
MAX_FORM_BYTES = 4096
# Served to anyone: the sign-in page, the health check, and the app's static bundle (public code).
PUBLIC_PREFIXES = ("/static/", "/_stcore/health", "/favicon.png", "/manifest.json", "/robots.txt")
# Served to no one: Streamlit's metrics (sessions, cache and memory figures) and its agent API.
BLOCKED_PREFIXES = ("/_stcore/metrics", "/_stcore/agent", "/_stcore/script-health-check")
UPLOAD_PREFIX = "/_stcore/upload_file/"


def secure_cookies(scheme: str) -> bool:
    """Cookies are marked Secure when the page is served over HTTPS (or ``TECHBENCH_SECURE_COOKIES=1``,
    behind a proxy that ends TLS)."""
    return scheme in ("https", "wss") or os.environ.get("TECHBENCH_SECURE_COOKIES") == "1"


# --- which Streamlit session belongs to which sign-in ---------------------------------------------

_bound: dict[str, str] = {}  # Streamlit session id -> token hash of the sign-in session that ran it
_lock = threading.Lock()


def bind(streamlit_session: str, digest: str) -> None:
    with _lock:
        _bound[streamlit_session] = digest


def bound_to(streamlit_session: str) -> str | None:
    with _lock:
        return _bound.get(streamlit_session)


# --- download tickets -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Ticket:
    digest: str  # the sign-in session it was issued to
    kind: str  # a key of ``PRODUCERS``
    params: tuple[tuple[str, str], ...]
    expires: float = field(default_factory=lambda: time.time() + TICKET_SECONDS)


_tickets: dict[str, Ticket] = {}
# kind -> producer(viewer, **params) -> (content, file name, media type); registered by dashboards.exports
PRODUCERS: dict[str, Callable] = {}


def issue_ticket(digest: str, kind: str, **params: str) -> str:
    """The URL at which the sign-in session ``digest`` may download ``kind`` for the next few minutes."""
    now = time.time()
    ticket = secrets.token_urlsafe(24)
    with _lock:
        for key in [k for k, t in _tickets.items() if t.expires < now]:
            del _tickets[key]
        _tickets[ticket] = Ticket(digest, kind, tuple(sorted(params.items())))
    return DOWNLOAD + ticket


def _ticket(ticket: str, digest: str) -> Ticket | None:
    with _lock:
        found = _tickets.get(ticket)
    if found is None or found.expires < time.time() or not hmac.compare_digest(found.digest, digest):
        return None
    return found


# --- the gate -------------------------------------------------------------------------------------

def _store() -> AccountStore:
    from dashboards.session import store

    return store()


def _cookies(scope) -> dict[str, str]:
    from starlette.requests import HTTPConnection

    return HTTPConnection(scope).cookies


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a path of this site only (never another host), else ``/``."""
    if not target or len(target) > 1024:
        return "/"
    parts = urlsplit(target)
    if (parts.scheme or parts.netloc or not target.startswith("/") or target.startswith(("//", "/\\"))
            or parts.path.startswith(SIGN_IN) or any(c in target for c in "\r\n\\")):
        return "/"
    return target


class Gate:
    """ASGI middleware: nothing past it without a live sign-in session (see the module docstring)."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        path = scope.get("path", "/")
        if path.startswith(BLOCKED_PREFIXES):
            return await self._plain(scope, receive, send, 404, "Not found.")
        if path == SIGN_IN or path.startswith(PUBLIC_PREFIXES):
            return await self.app(scope, receive, send)
        from starlette.concurrency import run_in_threadpool

        token = _cookies(scope).get(COOKIE)
        user = await run_in_threadpool(_store().session_user, token) if token else None
        if user is None:
            if scope["type"] == "websocket":
                return await send({"type": "websocket.close", "code": 4401, "reason": "sign in first"})
            if scope.get("method") in ("GET", "HEAD") and not path.startswith(("/_stcore/", "/media/", "/component/")):
                return await self._redirect(scope, receive, send)
            return await self._plain(scope, receive, send, 401, "Sign in first.")
        digest = token_hash(token)
        scope = dict(scope, state={**scope.get("state", {}), "techbench_user": user, "techbench_digest": digest})
        if scope["type"] == "websocket":
            scope["headers"] = self._without_foreign_session(scope["headers"], digest)
        elif path.startswith(UPLOAD_PREFIX):
            streamlit_session = path[len(UPLOAD_PREFIX):].split("/", 1)[0]
            if bound_to(streamlit_session) != digest:
                return await self._plain(scope, receive, send, 403, "Not allowed.")
        return await self.app(scope, receive, send)

    @staticmethod
    def _without_foreign_session(headers, digest: str):
        """Drop the Streamlit session id a websocket asks to resume unless it belongs to this sign-in
        (Streamlit then starts a fresh session): a leaked session id carries nothing."""
        out = []
        for name, value in headers:
            if name.lower() == b"sec-websocket-protocol":
                entries = [e.strip() for e in value.decode("latin-1").split(",")]
                if len(entries) >= 3 and entries[2] and bound_to(entries[2]) != digest:
                    log.info("websocket asked to resume a session not bound to its sign-in: starting a new one")
                    entries[2] = ""
                value = ", ".join(entries).encode("latin-1")
            out.append((name, value))
        return out

    @staticmethod
    async def _plain(scope, receive, send, status: int, text: str) -> None:
        if scope["type"] == "websocket":
            return await send({"type": "websocket.close", "code": 4403})
        from starlette.responses import PlainTextResponse

        await PlainTextResponse(text, status_code=status, headers=NO_STORE)(scope, receive, send)

    @staticmethod
    async def _redirect(scope, receive, send) -> None:
        from starlette.responses import RedirectResponse

        query = scope.get("query_string", b"").decode("latin-1")
        target = scope.get("path", "/") + (f"?{query}" if query else "")
        where = SIGN_IN + ("" if target == "/" else f"?next={quote(safe_next(target), safe='')}")
        await RedirectResponse(where, status_code=303, headers=NO_STORE)(scope, receive, send)


NO_STORE = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin"}


# --- the sign-in page -----------------------------------------------------------------------------

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in · techbench</title>
<style>
 body {{ font-family: system-ui, sans-serif; background: #f5f7fa; color: #1f2933; margin: 0; }}
 main {{ max-width: 24rem; margin: 12vh auto; background: #fff; padding: 2rem; border-radius: .5rem;
        box-shadow: 0 1px 4px rgba(0,0,0,.12); }}
 h1 {{ margin: 0 0 .25rem; font-size: 1.6rem; }} p.lead {{ color: #52606d; margin: 0 0 1.5rem; }}
 label {{ display: block; font-weight: 600; margin: 1rem 0 .25rem; }}
 input {{ width: 100%; box-sizing: border-box; padding: .55rem; font-size: 1rem; border: 1px solid #9aa5b1;
         border-radius: .3rem; }}
 button {{ margin-top: 1.5rem; width: 100%; padding: .65rem; font-size: 1rem; color: #fff; background: #1565c0;
          border: 0; border-radius: .3rem; cursor: pointer; }}
 .message {{ padding: .75rem; border-radius: .3rem; margin-bottom: 1rem; }}
 .error {{ background: #fdecea; color: #8a1c1c; }} .info {{ background: #e8f1fb; color: #0b3d73; }}
</style></head>
<body><main>
<h1>techbench</h1>
<p class="lead">Benchmarks of the Technician Commitment — sign in with the account the steering group gave you.</p>
{message}
<form method="post" action="{action}">
 <input type="hidden" name="csrf" value="{csrf}">
 <label for="username">Username</label>
 <input id="username" name="username" autocomplete="username" required autofocus value="{username}">
 <label for="password">Password</label>
 <input id="password" name="password" type="password" autocomplete="current-password" required>
 <button type="submit">Sign in</button>
</form>
</main></body></html>
"""


def _page(request, status: int = 200, message: str = "", kind: str = "error", username: str = ""):
    from starlette.responses import HTMLResponse

    csrf = secrets.token_urlsafe(24)
    nxt = safe_next(request.query_params.get("next"))
    action = SIGN_IN + ("" if nxt == "/" else f"?next={quote(nxt, safe='')}")
    body = PAGE.format(message=f'<div class="message {kind}" role="alert">{html.escape(message)}</div>' if message else "",
                       action=html.escape(action), csrf=csrf, username=html.escape(username))
    response = HTMLResponse(body, status_code=status, headers=NO_STORE | {
        "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
                                   "frame-ancestors 'none'"})
    response.set_cookie(CSRF_COOKIE, csrf, httponly=True, samesite="strict", path=SIGN_IN,
                        secure=secure_cookies(request.url.scheme))
    return response


def _same_origin(request) -> bool:
    origin = request.headers.get("origin")
    if origin is None:
        return True  # a form post from an old browser without Origin: the CSRF cookie still guards it
    return urlsplit(origin).netloc == request.headers.get("host", "")


async def sign_in(request):
    """``GET /signin``: the form; ``POST /signin``: check the password, start a session, set its cookie."""
    from starlette.concurrency import run_in_threadpool
    from starlette.responses import RedirectResponse

    store = _store()
    old = request.cookies.get(COOKIE)
    if request.method == "GET":
        if old and await run_in_threadpool(store.session_user, old, False):
            return RedirectResponse(safe_next(request.query_params.get("next")), status_code=303, headers=NO_STORE)
        ended = request.query_params.get("ended") == "1"
        return _page(request, message="You have been signed out." if ended else "", kind="info")
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            return _page(request, 413, "That request was too large.")
    form = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace"), max_num_fields=8).items()}
    csrf = request.cookies.get(CSRF_COOKIE, "")
    if not csrf or not hmac.compare_digest(csrf, form.get("csrf", "")) or not _same_origin(request):
        return _page(request, 403, "The sign-in form had expired: please sign in again.")
    username, password = form.get("username", "")[:128], form.get("password", "")[:1024]
    try:
        user = await run_in_threadpool(store.authenticate, username, password) if username and password else None
    except SignInLocked as exc:
        log.warning("sign-in refused, name locked: %r", username)
        return _page(request, 429, str(exc), username=username)
    if user is None:
        log.warning("sign-in refused, wrong password or inactive account: %r", username)
        return _page(request, 401, "That username and password do not match an active account.", username=username)
    try:
        token = await run_in_threadpool(store.start_session, user.username)
    except AccountError:
        return _page(request, 401, "That username and password do not match an active account.", username=username)
    if old:
        await run_in_threadpool(store.end_session, old)  # a new sign-in never keeps an old session alive
    log.info("signed in: %r (%s)", user.username, user.role)
    response = RedirectResponse(safe_next(request.query_params.get("next")), status_code=303, headers=NO_STORE)
    _, absolute = session_limits()
    response.set_cookie(COOKIE, token, max_age=int(absolute), httponly=True, samesite="lax", path="/",
                        secure=secure_cookies(request.url.scheme))
    response.delete_cookie(CSRF_COOKIE, path=SIGN_IN)
    return response


async def download(request):
    """``GET /download/<ticket>``: the file, made now for the account as it is now."""
    from starlette.concurrency import run_in_threadpool
    from starlette.responses import PlainTextResponse, Response

    digest = request.scope["state"]["techbench_digest"]
    ticket = _ticket(request.path_params["ticket"], digest)
    if ticket is None or ticket.kind not in PRODUCERS:
        return PlainTextResponse("This download link has expired or is not yours: download the file again from "
                                 "the dashboard.", status_code=404, headers=NO_STORE)
    from dashboards.data import Denied, Viewer

    viewer = Viewer(request.scope["state"]["techbench_user"], _store())
    try:
        made = await run_in_threadpool(lambda: PRODUCERS[ticket.kind](viewer, **dict(ticket.params)))
    except Denied as exc:
        return PlainTextResponse(str(exc), status_code=403, headers=NO_STORE)
    if made is None:
        return PlainTextResponse("There is nothing to download yet.", status_code=404, headers=NO_STORE)
    content, filename, media_type = made
    safe_name = "".join(c for c in filename if c.isalnum() or c in "._-") or "download"
    log.info("download: %s by %r", safe_name, viewer.user.username)
    return Response(content, media_type=media_type, headers=NO_STORE | {
        "Content-Disposition": f'attachment; filename="{safe_name}"'})


def routes() -> list:
    from starlette.routing import Route

    return [Route(SIGN_IN, sign_in, methods=["GET", "POST"]),
            Route(DOWNLOAD + "{ticket}", download, methods=["GET"])]


def middleware() -> list:
    from starlette.middleware import Middleware

    return [Middleware(Gate)]
