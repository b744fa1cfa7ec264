"""Reminders by e-mail for peer review tasks that are overdue or due soon, sent over SMTP.

Off by default: nothing is sent until ``TECHBENCH_SMTP_HOST`` and ``TECHBENCH_SMTP_SENDER`` are set,
so a demo or a test never mails anyone. :func:`compose` is pure (one message per person, listing only
their own tasks), :func:`send` reports per message and never raises on a mail-server failure: a
reminder is worth less than the page that asked for it. What would be sent can be shown either way.
"""

from __future__ import annotations

import logging
import os
import smtplib
import ssl
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr

log = logging.getLogger(__name__)

KINDS = ("review", "consensus", "declaration")
OVERDUE = "overdue"
DUE_SOON = "due soon"
#: Days ahead that count as "due soon", techbench's default.
SOON_DAYS = 7

# What became of a reminder: sent; failed (tried, or the address is unusable); not sent (nothing to try:
# e-mail is off, or there is no address on record).
SENT, FAILED, NOT_SENT = "sent", "failed", "not sent"
OFF = "not sent: e-mail is off (set TECHBENCH_SMTP_HOST and TECHBENCH_SMTP_SENDER)"

# What each kind of task asks the person to do, before the submission's label.
_ACTIONS = {"review": "Review", "consensus": "Agree the consensus scores for",
            "declaration": "Declare any conflict of interest with"}
# Fixed English month names: strftime("%b") follows the machine's locale.
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off", "")


@dataclass(frozen=True)
class MailSettings:
    """Where reminders go out. ``enabled`` only with a host and a sender; the password is left out of
    ``repr`` so settings can be logged or shown. A login needs STARTTLS: a password is never sent over
    an unencrypted connection."""

    host: str | None = None
    port: int = 25
    sender: str | None = None
    use_starttls: bool = False
    username: str | None = None
    password: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if not 0 < self.port < 65536:
            raise ValueError(f"SMTP port must be from 1 to 65535, not {self.port}")
        if bool(self.username) != bool(self.password):
            raise ValueError("set both TECHBENCH_SMTP_USER and TECHBENCH_SMTP_PASSWORD, or neither")
        if self.username and not self.use_starttls:
            raise ValueError("TECHBENCH_SMTP_USER is set but TECHBENCH_SMTP_STARTTLS is not 1: the password "
                             "would cross the network unencrypted")

    @property
    def enabled(self) -> bool:
        return bool(self.host and self.sender)


def mail_settings(environ: Mapping[str, str] = os.environ) -> MailSettings:
    """Settings from ``TECHBENCH_SMTP_*``. A value that cannot be read is an error naming the variable,
    not a silent default: a mistyped port would otherwise look like a mail server that is down."""

    def text(name: str) -> str | None:
        return (environ.get(name) or "").strip() or None

    raw_port = text("TECHBENCH_SMTP_PORT")
    try:
        port = int(raw_port) if raw_port else 25
    except ValueError:
        port = 0
    if not 0 < port < 65536:
        raise ValueError(f"TECHBENCH_SMTP_PORT must be a port number from 1 to 65535, not {raw_port!r}")
    raw_tls = (text("TECHBENCH_SMTP_STARTTLS") or "").lower()
    if raw_tls not in _TRUE + _FALSE:
        raise ValueError(f"TECHBENCH_SMTP_STARTTLS must be 0 or 1, not {environ['TECHBENCH_SMTP_STARTTLS']!r}")
    return MailSettings(host=text("TECHBENCH_SMTP_HOST"), port=port, sender=text("TECHBENCH_SMTP_SENDER"),
                        use_starttls=raw_tls in _TRUE, username=text("TECHBENCH_SMTP_USER"),
                        password=environ.get("TECHBENCH_SMTP_PASSWORD") or None)


@dataclass(frozen=True)
class Task:
    """Something one person still has to do by ``due``. ``submission_label`` names the signatory and
    stage only (e.g. "University of York, stage 2"), never another reviewer: it goes into that
    person's mailbox. ``email`` is None when none is on record."""

    recipient: str
    email: str | None
    kind: str
    submission_label: str
    due: date

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"task kind must be one of {', '.join(KINDS)}, not {self.kind!r}")


@dataclass(frozen=True)
class Reminder:
    """One message to one person. ``to`` is None when no e-mail address is on record: the reminder is
    still composed so the outbox can show it, and :func:`send` reports why it was not sent.
    ``kind`` is "overdue" when any task is, else "due soon"."""

    to: str | None
    recipient: str
    subject: str
    body: str
    kind: str
    tasks: tuple[Task, ...] = ()

    @property
    def problem(self) -> str | None:
        """Why this reminder cannot be sent whatever the settings, or None."""
        return None if self.to else f"no e-mail address on record for {self.recipient}"


@dataclass(frozen=True)
class SendResult:
    """What became of one reminder: ``status`` "sent", "failed" or "not sent" (nothing was tried), and
    ``detail`` "sent" or why not, in the server's words where it gave any."""

    reminder: Reminder
    status: str
    detail: str

    @property
    def sent(self) -> bool:
        return self.status == SENT


def format_date(day: date) -> str:
    """"31 Jan 2027": unambiguous on both sides of the Atlantic, the same on every machine."""
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def _days(n: int) -> str:
    return f"{n} day" if n == 1 else f"{n} days"


def _when(due: date, today: date) -> str:
    days = (due - today).days
    if days < 0:
        return f"{_days(-days)} overdue"
    return "due today" if days == 0 else f"due in {_days(days)}"


def _one_line(text: str) -> str:
    """Labels come from submissions, not from us: no line breaks that could fake a line of the body."""
    return " ".join(text.split())


def _address(tasks: list[Task]) -> str | None:
    found = {t.email for t in tasks if t.email and not t.email.isspace()}
    if len(found) > 1:
        raise ValueError(f"{tasks[0].recipient!r} has {len(found)} e-mail addresses on record: "
                         f"{', '.join(sorted(found))}")
    return found.pop() if found else None


def _subject(overdue: int, soon: int) -> str:
    counts = ([f"{overdue} overdue"] if overdue else []) + ([f"{soon} due soon"] if soon else [])
    return f"Technician Commitment peer review tasks: {', '.join(counts)}"


def _body(recipient: str, tasks: list[Task], today: date, dashboard_url: str | None) -> str:
    lines = [f"Hello {recipient},", "",
             f"This is a reminder of your peer review tasks for the Technician Commitment, as of "
             f"{format_date(today)}:", ""]
    for heading, chosen in ((OVERDUE.capitalize(), [t for t in tasks if t.due < today]),
                            (DUE_SOON.capitalize(), [t for t in tasks if t.due >= today])):
        if chosen:
            lines.append(f"{heading}:")
            lines += [f"- {_ACTIONS[t.kind]} {_one_line(t.submission_label)}: due {format_date(t.due)}, "
                      f"{_when(t.due, today)}" for t in chosen]
            lines.append("")
    if dashboard_url:
        lines += [f"Your tasks are on the dashboard: {_one_line(dashboard_url)}", ""]
    lines.append("This message was sent automatically by techbench; please do not reply to it.")
    return "\n".join(lines) + "\n"


def compose(tasks: Iterable[Task], today: date, *, soon_days: int = SOON_DAYS,
            dashboard_url: str | None = None) -> list[Reminder]:
    """One reminder per person with a task overdue (due before ``today``) or due within ``soon_days``
    (today included); nobody else is written to. Tasks are listed by due date, reminders by username.
    A person without an e-mail address still gets a reminder, with ``to`` None (see
    :attr:`Reminder.problem`), so the caller can say so instead of losing them silently."""
    if soon_days < 0:
        raise ValueError(f"soon_days cannot be negative, not {soon_days}")
    horizon = today + timedelta(days=soon_days)
    by_person: dict[str, list[Task]] = {}
    for task in tasks:
        if task.due <= horizon:
            by_person.setdefault(task.recipient, []).append(task)
    reminders = []
    for recipient in sorted(by_person):
        mine = sorted(by_person[recipient], key=lambda t: (t.due, KINDS.index(t.kind), t.submission_label))
        overdue = sum(t.due < today for t in mine)
        reminders.append(Reminder(
            to=_address(mine), recipient=recipient, subject=_subject(overdue, len(mine) - overdue),
            body=_body(recipient, mine, today, dashboard_url), kind=OVERDUE if overdue else DUE_SOON,
            tasks=tuple(mine)))
    return reminders


def _check_header(value: str, what: str) -> None:
    """A line break in a header would let a subject or address add headers (a Bcc) of its own."""
    if not value.isprintable():
        raise ValueError(f"refused: the {what} {value!r} contains a line break or control character "
                         "(header injection)")


def _is_address(value: str) -> bool:
    """A bare address, one only: "a@b.ac.uk", not "A <a@b>" nor "a@b, c@d"."""
    return parseaddr(value)[1] == value and value.count("@") == 1 and not any(c in value for c in " ,;<>")


def _message(reminder: Reminder, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = reminder.to
    message["Subject"] = reminder.subject
    message["Date"] = formatdate(localtime=True)
    # the sender's domain: make_msgid's default looks up this machine's name, which can stall on DNS
    message["Message-ID"] = make_msgid(domain=parseaddr(sender)[1].rpartition("@")[2] or "techbench.invalid")
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no out-of-office replies to it
    message.set_content(reminder.body)
    return message


def send(reminders: Iterable[Reminder], settings: MailSettings, *, timeout: float = 10,
         tls_context: ssl.SSLContext | None = None) -> list[SendResult]:
    """Send each reminder over one SMTP connection; one result per reminder, in order.

    Raises ValueError before anything is sent when a subject or address (the sender's too) contains a
    line break: that is tampering, not a mail problem. Otherwise never raises: with e-mail off no
    connection is opened and every result says so; a server that cannot be reached or refuses the
    login fails every message with the reason; a refused recipient fails that message only.
    ``tls_context`` verifies the server for STARTTLS (default: the system's certificate authorities).
    """
    reminders = list(reminders)
    for reminder in reminders:
        _check_header(reminder.subject, "subject")
        if reminder.to:
            _check_header(reminder.to, "address")
    if not settings.enabled:
        return [SendResult(r, NOT_SENT, OFF) for r in reminders]
    _check_header(settings.sender, "sender")

    results: dict[int, SendResult] = {}
    to_send = []
    for i, reminder in enumerate(reminders):
        if reminder.problem:
            results[i] = SendResult(reminder, NOT_SENT, f"not sent: {reminder.problem}")
        elif not _is_address(reminder.to):
            results[i] = SendResult(reminder, FAILED, f"not sent: {reminder.to!r} is not an e-mail address")
        else:
            to_send.append((i, reminder, _message(reminder, settings.sender)))
    if to_send:
        results.update(_deliver(to_send, settings, timeout, tls_context))
    return [results[i] for i in range(len(reminders))]


def _deliver(to_send: list[tuple[int, Reminder, EmailMessage]], settings: MailSettings, timeout: float,
             tls_context: ssl.SSLContext | None) -> dict[int, SendResult]:
    where = f"{settings.host}:{settings.port}"
    step = f"could not connect to the mail server {where}"
    results: dict[int, SendResult] = {}
    try:
        smtp = smtplib.SMTP(settings.host, settings.port, timeout=timeout)
    except (OSError, smtplib.SMTPException) as error:
        return _all_failed(to_send, f"{step}: {_reason(error)}")
    try:
        if settings.use_starttls:
            step = f"STARTTLS with {where} failed"
            smtp.starttls(context=tls_context or ssl.create_default_context())
        if settings.username:
            step = f"the mail server {where} refused the login for {settings.username!r}"
            smtp.login(settings.username, settings.password)
        step = f"the connection to {where} was lost"
        for i, reminder, message in to_send:
            try:
                refused = smtp.send_message(message)
            except smtplib.SMTPServerDisconnected:
                raise
            except smtplib.SMTPException as error:  # this message only: the session goes on
                results[i] = SendResult(reminder, FAILED, f"not sent: {_reason(error)}")
            else:
                results[i] = (SendResult(reminder, FAILED, f"not sent: {_reason(refused)}") if refused
                              else SendResult(reminder, SENT, SENT))
    except (OSError, smtplib.SMTPException) as error:
        smtp.close()  # no polite QUIT on a session that has failed: it could wait out the timeout again
        results.update(_all_failed([s for s in to_send if s[0] not in results], f"{step}: {_reason(error)}"))
    else:
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            smtp.close()
    return results


def _all_failed(to_send: list[tuple[int, Reminder, EmailMessage]], reason: str) -> dict[int, SendResult]:
    log.warning("reminders not sent: %s", reason)
    return {i: SendResult(reminder, FAILED, f"not sent: {reason}") for i, reminder, _ in to_send}


def _reason(error: object) -> str:
    """The server's words for a refusal ("550 no such user"), else the exception's own text."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        error = error.recipients
    if isinstance(error, dict):  # recipient -> (code, message)
        return "; ".join(f"{addr} refused: {_reason(err)}" for addr, err in error.items())
    if isinstance(error, tuple) and len(error) == 2 and isinstance(error[0], int):
        code, text = error
        return f"{code} {text.decode(errors='replace') if isinstance(text, bytes) else text}"
    if isinstance(error, smtplib.SMTPResponseException):
        return _reason((error.smtp_code, error.smtp_error))
    return str(error) or type(error).__name__
