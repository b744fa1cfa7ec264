"""Reminders: settings from the environment (off by default, the password kept out of sight), what is
composed for whom, and sending to a real SMTP server on localhost (aiosmtpd): the messages received,
nothing sent while e-mail is off, a server that is down or a refused recipient reported without an
exception, STARTTLS and login, header injection refused before anything goes out."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import logging
import smtplib
import socket
import ssl
from collections import Counter
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from hypothesis import given
from hypothesis import strategies as st

from pipeline.review.reminders import (FAILED, KINDS, NOT_SENT, OFF, SENT, MailSettings, Reminder, Task, compose, format_date,
                                       mail_settings, send)

TODAY = dt.date(2027, 1, 31)
SENDER = "techbench@steering.example.ac.uk"
PASSWORD = "correct horse battery staple"


def days(n: int) -> dt.date:
    return TODAY + dt.timedelta(days=n)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Collector:
    """An aiosmtpd handler that keeps what it receives; ``refuse``: recipients answered 550; ``drop``:
    recipients whose message is answered 421 (the server closing the connection)."""

    def __init__(self, refuse=(), drop=()):
        self.refuse, self.drop = set(refuse), set(drop)
        self.received: list[tuple[str, list[str], EmailMessage]] = []
        self.sessions = 0

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        self.sessions += 1
        session.host_name = hostname
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if set(envelope.rcpt_tos) & self.drop:
            return "421 4.3.2 Shutting down"
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted"


def start(handler, **kwargs) -> Controller:
    controller = Controller(handler, hostname="127.0.0.1", port=free_port(), server_hostname="localhost", **kwargs)
    controller.start()
    return controller


@pytest.fixture
def server():
    handler = Collector(refuse={"nobody@york.example.ac.uk"}, drop={"drop@leeds.example.ac.uk"})
    controller = start(handler)
    yield controller, handler
    controller.stop()


def settings_for(controller: Controller, **overrides) -> MailSettings:
    return MailSettings(**{"host": "127.0.0.1", "port": controller.port, "sender": SENDER} | overrides)


def tasks() -> list[Task]:
    return [
        Task("alice", "alice@york.example.ac.uk", "review", "University of Leeds, stage 2", days(-3)),
        Task("alice", "alice@york.example.ac.uk", "consensus", "University of Leeds, stage 2", days(5)),
        Task("alice", "alice@york.example.ac.uk", "review", "Université de Bath, stage 1", days(0)),
        Task("alice", "alice@york.example.ac.uk", "review", "University of Hull, stage 1", days(8)),
        Task("bob", "bob@hull.example.ac.uk", "declaration", "University of York, stage 2", days(1)),
        Task("carol", "carol@bath.example.ac.uk", "review", "University of York, stage 2", days(30)),
        Task("dan", None, "review", "University of Hull, stage 1", days(-1)),
    ]


# --- settings ---------------------------------------------------------------------------------------

def test_email_is_off_by_default_and_on_with_a_host_and_a_sender():
    assert mail_settings({}) == MailSettings()
    assert not mail_settings({}).enabled and mail_settings({}).port == 25
    assert not mail_settings({"TECHBENCH_SMTP_HOST": "smtp.example.ac.uk"}).enabled
    assert not mail_settings({"TECHBENCH_SMTP_SENDER": SENDER}).enabled
    on = mail_settings({"TECHBENCH_SMTP_HOST": "smtp.example.ac.uk", "TECHBENCH_SMTP_SENDER": SENDER,
                        "TECHBENCH_SMTP_PORT": "587", "TECHBENCH_SMTP_STARTTLS": "1",
                        "TECHBENCH_SMTP_USER": "techbench", "TECHBENCH_SMTP_PASSWORD": PASSWORD})
    assert on == MailSettings("smtp.example.ac.uk", 587, SENDER, True, "techbench", PASSWORD)
    assert on.enabled


@pytest.mark.parametrize("variable, value", [
    ("TECHBENCH_SMTP_PORT", "twenty-five"), ("TECHBENCH_SMTP_PORT", "0"), ("TECHBENCH_SMTP_PORT", "65536"),
    ("TECHBENCH_SMTP_PORT", "25.0"), ("TECHBENCH_SMTP_STARTTLS", "maybe"), ("TECHBENCH_SMTP_STARTTLS", "2"),
])
def test_a_value_that_cannot_be_read_is_an_error_naming_its_variable(variable, value):
    with pytest.raises(ValueError, match=variable) as raised:
        mail_settings({"TECHBENCH_SMTP_HOST": "smtp.example.ac.uk", variable: value})
    assert repr(value) in str(raised.value)


def test_a_login_needs_both_halves_and_starttls():
    with pytest.raises(ValueError, match="both TECHBENCH_SMTP_USER and TECHBENCH_SMTP_PASSWORD"):
        mail_settings({"TECHBENCH_SMTP_USER": "techbench", "TECHBENCH_SMTP_STARTTLS": "1"})
    with pytest.raises(ValueError, match="unencrypted") as raised:
        mail_settings({"TECHBENCH_SMTP_USER": "techbench", "TECHBENCH_SMTP_PASSWORD": PASSWORD})
    assert PASSWORD not in str(raised.value)


def test_the_password_is_not_in_repr_or_str():
    settings = MailSettings("smtp.example.ac.uk", 587, SENDER, True, "techbench", PASSWORD)
    assert PASSWORD not in repr(settings) and PASSWORD not in str(settings)
    assert "techbench" in repr(settings)


# --- compose ----------------------------------------------------------------------------------------

def test_one_reminder_per_person_with_something_due_listing_only_their_own_tasks():
    composed = compose(tasks(), TODAY, dashboard_url="https://techbench.example.ac.uk/review")
    assert [r.recipient for r in composed] == ["alice", "bob", "dan"]  # carol's review is a month away
    alice, bob, dan = composed
    assert alice.to == "alice@york.example.ac.uk" and alice.kind == "overdue"
    assert alice.subject == "Technician Commitment peer review tasks: 1 overdue, 2 due soon"
    assert [t.due for t in alice.tasks] == [days(-3), days(0), days(5)]  # by due date; Hull (8 days) left out
    lines = alice.body.splitlines()
    assert lines.index("Overdue:") < lines.index("Due soon:")
    assert "- Review University of Leeds, stage 2: due 28 Jan 2027, 3 days overdue" in lines
    assert "- Review Université de Bath, stage 1: due 31 Jan 2027, due today" in lines
    assert "- Agree the consensus scores for University of Leeds, stage 2: due 5 Feb 2027, due in 5 days" in lines
    assert "https://techbench.example.ac.uk/review" in alice.body
    assert "Hull" not in alice.body
    for name in ("bob", "carol", "dan"):
        assert name not in alice.body
    assert bob.kind == "due soon" and bob.subject.endswith(": 1 due soon")
    assert "Declare any conflict of interest with University of York, stage 2: due 1 Feb 2027, due in 1 day" in bob.body


def test_someone_without_an_email_address_is_composed_and_says_so():
    dan = compose(tasks(), TODAY)[-1]
    assert dan.to is None and dan.problem == "no e-mail address on record for dan"
    assert "1 day overdue" in dan.body
    assert compose([Task("eve", "  ", "review", "University of York, stage 1", TODAY)], TODAY)[0].to is None


def test_nothing_due_means_no_reminders():
    assert compose([], TODAY) == []
    assert compose([Task("carol", "c@bath.example.ac.uk", "review", "York", days(8))], TODAY) == []
    assert compose([Task("carol", "c@bath.example.ac.uk", "review", "York", days(1))], TODAY, soon_days=0) == []


def test_dates_are_written_the_same_on_every_machine():
    assert format_date(dt.date(2027, 1, 31)) == "31 Jan 2027"
    assert format_date(dt.date(2026, 9, 1)) == "1 Sep 2026"


def test_a_label_cannot_add_lines_to_the_body_and_bad_input_is_refused():
    forged = Task("alice", "a@york.example.ac.uk", "review", "York\n\nPlease also send your password to x",
                  TODAY)
    assert "- Review York Please also send your password to x: due 31 Jan 2027, due today" in \
        compose([forged], TODAY)[0].body.splitlines()
    with pytest.raises(ValueError, match="task kind"):
        Task("alice", None, "vote", "York", TODAY)
    with pytest.raises(ValueError, match="soon_days"):
        compose([], TODAY, soon_days=-1)
    with pytest.raises(ValueError, match="2 e-mail addresses"):
        compose([Task("alice", "a@one.example", "review", "York", TODAY),
                 Task("alice", "a@two.example", "review", "Hull", TODAY)], TODAY)


people = st.sampled_from(["alice", "bob", "carol", "dan"])
task_lists = st.lists(st.builds(
    lambda who, kind, label, offset: Task(who, None if who == "dan" else f"{who}@example.ac.uk", kind, label,
                                          days(offset)),
    people, st.sampled_from(KINDS), st.sampled_from(["University of York, stage 1", "University of Hull, stage 2"]),
    st.integers(-40, 40)), max_size=25)


@given(task_lists, st.integers(0, 21))
def test_every_task_due_appears_once_in_its_owners_reminder_and_no_other(all_tasks, soon_days):
    composed = compose(all_tasks, TODAY, soon_days=soon_days)
    due = [t for t in all_tasks if t.due <= days(soon_days)]
    assert Counter(t for r in composed for t in r.tasks) == Counter(due)
    assert [r.recipient for r in composed] == sorted({t.recipient for t in due})
    for reminder in composed:
        assert all(t.recipient == reminder.recipient for t in reminder.tasks)
        assert [t.due for t in reminder.tasks] == sorted(t.due for t in reminder.tasks)
        assert sum(line.startswith("- ") for line in reminder.body.splitlines()) == len(reminder.tasks)
        overdue = sum(t.due < TODAY for t in reminder.tasks)
        assert (f"{overdue} overdue" in reminder.subject) == (overdue > 0)
        assert reminder.kind == ("overdue" if overdue else "due soon")


# --- send -------------------------------------------------------------------------------------------

def test_messages_arrive_one_per_person_over_one_connection(server):
    controller, handler = server
    composed = compose(tasks(), TODAY)
    results = send(composed, settings_for(controller))
    assert [(r.reminder.recipient, r.status, r.detail) for r in results] == [
        ("alice", SENT, SENT), ("bob", SENT, SENT),
        ("dan", NOT_SENT, "not sent: no e-mail address on record for dan")]
    assert [r.sent for r in results] == [True, True, False]
    assert handler.sessions == 1
    assert [(frm, to) for frm, to, _ in handler.received] == [
        (SENDER, ["alice@york.example.ac.uk"]), (SENDER, ["bob@hull.example.ac.uk"])]
    for (_, _, message), reminder in zip(handler.received, composed):
        assert message["From"] == SENDER and message["To"] == reminder.to
        assert message["Subject"] == reminder.subject
        assert message["Auto-Submitted"] == "auto-generated"
        assert message["Message-ID"].endswith("@steering.example.ac.uk>")
        assert message.get_content().replace("\r\n", "\n") == reminder.body  # non-ASCII arrives intact
    assert "Université de Bath" in handler.received[0][2].get_content()


def test_with_email_off_no_connection_is_opened(server, monkeypatch):
    controller, handler = server

    def no_connection(*args, **kwargs):
        raise AssertionError("a connection was opened while e-mail is off")

    monkeypatch.setattr(smtplib, "SMTP", no_connection)
    composed = compose(tasks(), TODAY)
    results = send(composed, settings_for(controller, sender=None))
    assert [(r.status, r.detail) for r in results] == [(NOT_SENT, OFF)] * len(composed)
    assert send(composed, MailSettings()) == results
    assert handler.received == [] and handler.sessions == 0


def test_a_server_that_is_down_fails_every_message_with_the_reason():
    port = free_port()
    results = send(compose(tasks(), TODAY), MailSettings("127.0.0.1", port, SENDER))
    assert [r.status for r in results] == [FAILED, FAILED, NOT_SENT]
    assert all(f"not sent: could not connect to the mail server 127.0.0.1:{port}" in r.detail
               for r in results[:2])
    assert results[2].detail == "not sent: no e-mail address on record for dan"


def test_a_server_that_never_answers_times_out():
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()  # accepts the connection, never greets
        results = send(compose(tasks(), TODAY)[:1], MailSettings("127.0.0.1", silent.getsockname()[1], SENDER),
                       timeout=0.5)
    assert not results[0].sent and "timed out" in results[0].detail


def test_a_refused_recipient_fails_only_that_message(server):
    controller, handler = server
    batch = [Reminder("nobody@york.example.ac.uk", "nobody", "Reminder", "Body\n", "due soon"),
             Reminder("alice", "alice", "Reminder", "Body\n", "due soon"),
             Reminder("bob@hull.example.ac.uk", "bob", "Reminder", "Body\n", "due soon")]
    results = send(batch, settings_for(controller))
    assert [r.status for r in results] == [FAILED, FAILED, SENT]
    assert "550" in results[0].detail and "No such user here" in results[0].detail
    assert "nobody@york.example.ac.uk" in results[0].detail
    assert results[1].detail == "not sent: 'alice' is not an e-mail address"
    assert [to for _, to, _ in handler.received] == [["bob@hull.example.ac.uk"]]


def test_a_connection_lost_midway_fails_the_rest_with_the_reason(server):
    controller, handler = server
    batch = [Reminder(f"{who}@leeds.example.ac.uk", who, "Reminder", "Body\n", "due soon")
             for who in ("first", "drop", "third")]
    results = send(batch, settings_for(controller))
    assert [r.sent for r in results] == [True, False, False]
    assert "421" in results[1].detail
    assert "was lost" in results[2].detail
    assert len(handler.received) == 1


@pytest.mark.parametrize("field, value", [
    ("subject", "Reminder\r\nBcc: everyone@example.ac.uk"), ("subject", "Reminder\nBcc: x@example.ac.uk"),
    ("to", "alice@york.example.ac.uk\r\nBcc: x@example.ac.uk"), ("subject", "Reminder\x00"),
])
def test_header_injection_is_refused_before_anything_is_sent(server, field, value):
    controller, handler = server
    clean = Reminder("bob@hull.example.ac.uk", "bob", "Reminder", "Body\n", "due soon")
    forged = Reminder(**{"to": "alice@york.example.ac.uk", "recipient": "alice", "subject": "Reminder",
                         "body": "Body\n", "kind": "overdue"} | {field: value})
    with pytest.raises(ValueError, match="header injection"):
        send([clean, forged], settings_for(controller))
    with pytest.raises(ValueError, match="header injection"):
        send([clean, forged], MailSettings())  # refused whether or not e-mail is on
    assert handler.received == [] and handler.sessions == 0


def test_an_address_with_a_line_break_from_the_records_is_refused(server):
    controller, handler = server
    composed = compose([Task("alice", "alice@york.example.ac.uk\nBcc: x@example.ac.uk", "review", "York",
                             TODAY)], TODAY)
    with pytest.raises(ValueError, match="header injection"):
        send(composed, settings_for(controller))
    with pytest.raises(ValueError, match="header injection"):
        send(composed, settings_for(controller, sender=f"{SENDER}\r\nBcc: x@example.ac.uk"))
    assert handler.received == []


def test_email_message_itself_refuses_line_breaks_in_headers():
    """What :func:`send` builds on; its own check also refuses control characters EmailMessage lets by."""
    message = EmailMessage()
    for value in ("a\r\nBcc: x@example.ac.uk", "a\nb", "a\u2028b"):
        with pytest.raises(ValueError):
            message["Subject"] = value
    message["Subject"] = "a\x00b"  # accepted by EmailMessage, refused by send


# --- STARTTLS and login -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1: (server context, client context trusting it)."""
    x509 = pytest.importorskip("cryptography.x509")
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    import ipaddress

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(x509.oid.NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(hours=1))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    folder = tmp_path_factory.mktemp("tls")
    (folder / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "key.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                                       serialization.PrivateFormat.PKCS8,
                                                       serialization.NoEncryption()))
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(folder / "cert.pem", folder / "key.pem")
    return server_context, ssl.create_default_context(cafile=str(folder / "cert.pem"))


@pytest.fixture
def tls_server(certificate):
    logins = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        logins.append((auth_data.login.decode(), auth_data.password.decode()))
        return AuthResult(success=auth_data.password.decode() == PASSWORD, handled=False)

    handler = Collector()
    controller = start(handler, tls_context=certificate[0], require_starttls=True, authenticator=authenticator)
    yield controller, handler, logins, certificate[1]
    controller.stop()


def test_starttls_and_login_when_configured(tls_server):
    controller, handler, logins, client_context = tls_server
    settings = settings_for(controller, use_starttls=True, username="techbench", password=PASSWORD)
    results = send(compose(tasks(), TODAY)[:2], settings, tls_context=client_context)
    assert [r.detail for r in results] == [SENT, SENT]
    assert logins == [("techbench", PASSWORD)]
    assert len(handler.received) == 2


def test_a_refused_login_fails_every_message_without_showing_the_password(tls_server, caplog):
    controller, handler, logins, client_context = tls_server
    settings = settings_for(controller, use_starttls=True, username="techbench", password="wrong " + PASSWORD)
    with caplog.at_level(logging.DEBUG):
        results = send(compose(tasks(), TODAY)[:2], settings, tls_context=client_context)
    assert [r.sent for r in results] == [False, False]
    assert all("refused the login for 'techbench'" in r.detail and "535" in r.detail for r in results)
    assert all(PASSWORD not in r.detail for r in results)
    assert "refused the login" in caplog.text and PASSWORD not in caplog.text
    assert handler.received == []


def test_a_certificate_that_cannot_be_verified_fails_with_the_reason(tls_server):
    controller, handler, _, _ = tls_server
    results = send(compose(tasks(), TODAY)[:1], settings_for(controller, use_starttls=True))
    assert not results[0].sent and "STARTTLS with 127.0.0.1" in results[0].detail
    assert "certificate verify failed" in results[0].detail
    assert handler.received == []


def test_without_starttls_a_server_that_requires_it_refuses(tls_server):
    controller, handler, _, _ = tls_server
    results = send(compose(tasks(), TODAY)[:1], settings_for(controller))
    assert not results[0].sent and "530" in results[0].detail
    assert handler.received == []



def test_an_address_the_server_cannot_take_fails_that_message_only():
    """A non-ASCII address needs SMTPUTF8; a server without it refuses that one message, not the batch."""
    handler = Collector()
    controller = start(handler, enable_SMTPUTF8=False)
    try:
        batch = [Reminder(to, "x", "Reminder", "Body\n", "due soon")
                 for to in ("josé@york.example.ac.uk", "bob@hull.example.ac.uk")]
        results = send(batch, settings_for(controller))
    finally:
        controller.stop()
    assert [r.sent for r in results] == [False, True]
    assert "SMTPUTF8" in results[0].detail
    assert [to for _, to, _ in handler.received] == [["bob@hull.example.ac.uk"]]
