"""Local accounts and roles (dashboards.accounts) and the `techbench users` / `assign` commands."""

from __future__ import annotations

import sqlite3
import threading

import pytest
from argon2 import PasswordHasher
from argon2.profiles import CHEAPEST
from typer.testing import CliRunner

from dashboards.accounts import AccountError, AccountStore, User, store_path
from pipeline.cli import app
from pipeline.settings import Paths

PASSWORD = "correct horse battery"
SHA = "ab" * 32
NORTHGATE_1 = f"northgate|1|{SHA}"
NORTHGATE_2 = f"northgate|2|{'cd' * 32}"
SOUTHBANK_1 = f"southbank|1|{SHA}"

runner = CliRunner()


@pytest.fixture
def store(tmp_path) -> AccountStore:
    # The cheapest argon2id parameters keep the tests fast; the default store uses the recommended ones.
    return AccountStore(tmp_path / "app.sqlite3", hasher=PasswordHasher.from_parameters(CHEAPEST))


def _hash(path, username):
    with sqlite3.connect(path) as con:
        return con.execute("SELECT password_hash FROM users WHERE username = ?", (username,)).fetchone()[0]


def test_the_store_lives_in_home_apart_from_the_warehouse(tmp_path):
    paths = Paths.from_env(tmp_path)
    assert store_path(paths) == tmp_path.resolve() / "app.sqlite3" != paths.warehouse
    AccountStore.for_paths(paths)
    assert (tmp_path / "app.sqlite3").is_file()


def test_the_stored_hash_is_argon2id_and_not_the_password(tmp_path):
    store = AccountStore(tmp_path / "app.sqlite3")  # default parameters
    user = store.add_user("alice", PASSWORD, "steering")
    stored = _hash(store.path, "alice")
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert not hasattr(user, "password_hash") and PASSWORD not in repr(user)
    assert PASSWORD.encode() not in store.path.read_bytes()


def test_authenticate_right_wrong_unknown_and_disabled(store):
    store.add_user("alice", PASSWORD, "steering")
    user = store.authenticate("alice", PASSWORD)
    assert user == User("alice", "steering", None, False, user.created_at)
    assert store.authenticate(" Alice ", PASSWORD) == user  # names are case- and space-insensitive
    assert store.authenticate("alice", PASSWORD + "!") is None
    assert store.authenticate("bob", PASSWORD) is None
    store.disable("alice")
    assert store.authenticate("alice", PASSWORD) is None
    assert store.get_user("alice").disabled


def test_a_hash_made_with_old_parameters_is_upgraded_on_sign_in(store):
    store.add_user("alice", PASSWORD, "steering")
    old = _hash(store.path, "alice")
    upgraded = AccountStore(store.path)  # recommended parameters
    assert upgraded.authenticate("alice", PASSWORD) is not None
    new = _hash(store.path, "alice")
    assert new != old and new.startswith("$argon2id$") and not PasswordHasher().check_needs_rehash(new)
    assert upgraded.authenticate("alice", PASSWORD) is not None


def test_the_store_runs_in_wal_mode_with_a_busy_timeout(store):
    assert store.journal_mode() == "wal"
    with sqlite3.connect(store.path) as con:  # WAL is a property of the file, whoever opens it
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_many_sessions_writing_at_once_do_not_fail(store):
    errors: list[BaseException] = []
    start = threading.Barrier(20)

    def work(i: int) -> None:
        try:
            own = AccountStore(store.path, hasher=PasswordHasher.from_parameters(CHEAPEST))  # its own connection
            start.wait()
            own.add_user(f"user{i}", PASSWORD, "reviewer")
            own.assign(f"user{i}", NORTHGATE_1)
            assert own.authenticate(f"user{i}", PASSWORD) is not None
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert [u.username for u in store.list_users()] == sorted(f"user{i}" for i in range(20))
    assert all(store.assignments(f"user{i}") == [NORTHGATE_1] for i in range(20))


def test_invalid_accounts_are_refused_with_plain_messages(store):
    with pytest.raises(AccountError, match="institution account needs the signatory"):
        store.add_user("inst", PASSWORD, "institution")
    with pytest.raises(AccountError, match="at least 10 characters"):
        store.add_user("alice", "short", "steering")
    with pytest.raises(AccountError, match="role 'admin' is unknown"):
        store.add_user("alice", PASSWORD, "admin")
    with pytest.raises(AccountError, match="not allowed"):
        store.add_user("a b", PASSWORD, "steering")
    with pytest.raises(AccountError, match="not a slug"):
        store.add_user("inst", PASSWORD, "institution", signatory="North Gate")
    with pytest.raises(AccountError, match="not bound"):
        store.add_user("alice", PASSWORD, "steering", signatory="northgate")
    store.add_user("alice", PASSWORD, "steering")
    with pytest.raises(AccountError, match="already exists"):
        store.add_user("ALICE", PASSWORD, "reviewer")
    with pytest.raises(AccountError, match="no user 'bob'"):
        store.disable("bob")
    assert [u.username for u in store.list_users()] == ["alice"]


def test_assignments_go_to_reviewers_only_and_never_to_their_own_institution(store):
    store.add_user("rev", PASSWORD, "reviewer", signatory="northgate")
    store.add_user("boss", PASSWORD, "steering")
    with pytest.raises(AccountError, match="own institution"):
        store.assign("rev", NORTHGATE_1)
    with pytest.raises(AccountError, match="only reviewers"):
        store.assign("boss", SOUTHBANK_1)
    with pytest.raises(AccountError, match="not a submission id"):
        store.assign("rev", "southbank")
    with pytest.raises(AccountError, match="no user"):
        store.assign("nobody", SOUTHBANK_1)
    assert store.assign("rev", SOUTHBANK_1) is True
    assert store.assign("rev", SOUTHBANK_1) is False  # once only
    assert store.assignments("rev") == [SOUTHBANK_1]
    assert store.unassign("rev", SOUTHBANK_1) is True
    assert store.unassign("rev", SOUTHBANK_1) is False
    assert store.assignments("rev") == []


def test_who_sees_which_submission_and_its_contact_details(store):
    boss = store.add_user("boss", PASSWORD, "steering")
    rev = store.add_user("rev", PASSWORD, "reviewer", signatory="northgate")
    inst = store.add_user("inst", PASSWORD, "institution", signatory="northgate")
    store.assign("rev", SOUTHBANK_1)
    for check in (store.can_see_submission, store.can_see_contact_details):
        # steering: everything
        assert check(boss, NORTHGATE_1) and check(boss, SOUTHBANK_1)
        # reviewer: assigned only, and never their own institution
        assert check(rev, SOUTHBANK_1)
        assert not check(rev, f"southbank|2|{'cd' * 32}")  # not assigned
        assert not check(rev, NORTHGATE_1)  # own institution
        # institution: its own signatory only
        assert check(inst, NORTHGATE_1) and check(inst, NORTHGATE_2)
        assert not check(inst, SOUTHBANK_1)
        assert not check(None, NORTHGATE_1)
    # a stale session loses access as soon as the account is disabled
    store.disable("boss")
    store.disable("rev")
    assert not store.can_see_submission(boss, NORTHGATE_1)
    assert not store.can_see_contact_details(rev, SOUTHBANK_1)
    # a forged User with a different role does not widen access: the store's record decides
    forged = User("inst", "steering", None, False, inst.created_at)
    assert not store.can_see_submission(forged, SOUTHBANK_1)


def test_cli_users_add_list_disable_and_assign(tmp_path):
    home = ["--home", str(tmp_path)]
    result = runner.invoke(app, ["users", "add", "rev", "--role", "reviewer", "--signatory", "northgate", *home],
                           input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert "added reviewer 'rev' (northgate)" in result.output and PASSWORD not in result.output
    result = runner.invoke(app, ["users", "add", "inst", "--role", "institution", "--signatory", "southbank",
                                 "--password-stdin", *home], input=f"{PASSWORD}\n")
    assert result.exit_code == 0, result.output

    result = runner.invoke(app, ["users", "add", "nosig", "--role", "institution", "--password-stdin", *home],
                           input=f"{PASSWORD}\n")
    assert result.exit_code == 1 and "needs the signatory" in result.output
    assert "Traceback" not in result.output
    result = runner.invoke(app, ["users", "add", "weak", "--role", "steering", "--password-stdin", *home],
                           input="short\n")
    assert result.exit_code == 1 and "at least 10 characters" in result.output
    assert runner.invoke(app, ["users", "add", "x1", "--role", "admin", *home]).exit_code == 2
    assert runner.invoke(app, ["users", "add", "x1", "--password", PASSWORD, "--role", "steering", *home]).exit_code == 2

    store = AccountStore(tmp_path / "app.sqlite3")
    assert store.authenticate("rev", PASSWORD).signatory == "northgate"
    assert store.authenticate("inst", PASSWORD).role == "institution"

    result = runner.invoke(app, ["assign", "rev", SOUTHBANK_1, *home])
    assert result.exit_code == 0 and "assigned" in result.output, result.output
    result = runner.invoke(app, ["assign", "rev", NORTHGATE_1, *home])
    assert result.exit_code == 1 and "own institution" in result.output
    assert store.assignments("rev") == [SOUTHBANK_1]

    result = runner.invoke(app, ["users", "list", *home], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "2 accounts" in result.output and "rev" in result.output and "inst" in result.output
    assert "argon2" not in result.output and PASSWORD not in result.output

    result = runner.invoke(app, ["assign", "rev", SOUTHBANK_1, "--remove", *home])
    assert result.exit_code == 0 and "removed" in result.output
    assert store.assignments("rev") == []

    sessions = [store.start_session("rev"), store.start_session("rev")]
    result = runner.invoke(app, ["users", "sign-out", "rev", *home])
    assert result.exit_code == 0 and "signed 'rev' out of 2 session(s)" in result.output, result.output
    assert all(store.session_user(t) is None for t in sessions) and store.authenticate("rev", PASSWORD)
    assert runner.invoke(app, ["users", "sign-out", "ghost", *home]).exit_code == 1

    result = runner.invoke(app, ["users", "disable", "inst", *home])
    assert result.exit_code == 0 and "disabled 'inst'" in result.output
    assert store.authenticate("inst", PASSWORD) is None
    assert "disabled" in runner.invoke(app, ["users", "list", *home], env={"COLUMNS": "200"}).output
    result = runner.invoke(app, ["users", "disable", "ghost", *home])
    assert result.exit_code == 1 and "no user 'ghost'" in result.output


def test_repeated_wrong_passwords_lock_the_name_for_a_while(store, monkeypatch):
    import time

    from dashboards.accounts import LOCKOUT_SECONDS, MAX_FAILURES, SignInLocked

    store.add_user("alice", PASSWORD, "steering")
    now = [1_000_000.0]
    monkeypatch.setattr(time, "time", lambda: now[0])
    for _ in range(MAX_FAILURES - 1):
        assert store.authenticate("alice", "wrong password") is None
    assert store.authenticate("alice", PASSWORD) is not None  # a success clears the count
    for _ in range(MAX_FAILURES):
        assert store.authenticate("alice", "wrong password") is None
    with pytest.raises(SignInLocked, match="try again in about 15 minutes"):
        store.authenticate("alice", PASSWORD)  # even the right password, while locked
    for _ in range(MAX_FAILURES):  # a name that does not exist locks the same way: no hint that it is unknown
        assert store.authenticate("mallory", "guess") is None
    with pytest.raises(SignInLocked):
        store.authenticate("mallory", "guess")
    now[0] += LOCKOUT_SECONDS + 1
    assert store.authenticate("alice", PASSWORD) is not None
    for _ in range(MAX_FAILURES):
        store.authenticate("alice", "wrong password")
    store.set_password("alice", PASSWORD + "!")  # a reset by the steering group unlocks the name
    assert store.authenticate("alice", PASSWORD + "!") is not None


# --- sign-in sessions ---------------------------------------------------------------------------

def test_a_sign_in_session_ends_when_idle_too_long_or_too_old(store, monkeypatch):
    import time

    import dashboards.accounts as accounts

    store.add_user("ann", PASSWORD, "steering")
    now = [1_000_000.0]
    monkeypatch.setattr(time, "time", lambda: now[0])
    token = store.start_session("ann")
    assert store.session_user(token).username == "ann"
    idle, absolute = accounts.session_limits()
    for _ in range(int(absolute // (idle / 2)) - 1):  # active every half idle period, until the absolute limit
        now[0] += idle / 2
        assert store.session_user(token) is not None
    now[0] += idle / 2 + 1
    assert store.session_user(token) is None  # too old, however active
    token = store.start_session("ann")
    now[0] += idle + 1
    assert store.session_user(token) is None  # idle too long
    assert store.session_user(token) is None and store.session_user("made-up") is None


def test_session_limits_come_from_the_environment(monkeypatch):
    from dashboards.accounts import session_limits

    monkeypatch.setenv("TECHBENCH_SESSION_IDLE_MINUTES", "5")
    monkeypatch.setenv("TECHBENCH_SESSION_MAX_HOURS", "not a number")
    assert session_limits() == (300, 12 * 3600)


def test_signing_out_disabling_and_a_new_password_end_sessions(store):
    store.add_user("bob", PASSWORD, "reviewer")
    first, second = store.start_session("bob"), store.start_session("bob")
    store.end_session(first)
    assert store.session_user(first) is None and store.session_user(second) is not None
    store.set_password("bob", "another long password")
    assert store.session_user(second) is None
    third = store.start_session("bob")
    store.disable("bob")
    assert store.session_user(third) is None
    with pytest.raises(AccountError):
        store.start_session("bob")


def test_the_store_keeps_a_hash_of_the_token_only(store, tmp_path):
    store.add_user("cat", PASSWORD, "steering")
    token = store.start_session("cat")
    stored = b"".join(f.read_bytes() for f in tmp_path.glob("app.sqlite3*"))  # the WAL file too
    assert store.session_user(token) is not None and token.encode() not in stored


def test_concurrent_wrong_passwords_are_all_counted_before_any_is_checked(store):
    from dashboards.accounts import MAX_FAILURES, SignInLocked

    store.add_user("dan", PASSWORD, "steering")
    outcomes: list[str] = []
    start = threading.Barrier(4 * MAX_FAILURES)

    def guess(i: int) -> None:
        start.wait()
        try:
            outcomes.append("checked" if store.authenticate("dan", f"wrong {i}") is None else "in")
        except SignInLocked:
            outcomes.append("locked")

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(4 * MAX_FAILURES)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("checked") <= MAX_FAILURES and "in" not in outcomes
    with pytest.raises(SignInLocked):
        store.authenticate("dan", PASSWORD)
