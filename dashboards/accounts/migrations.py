"""The application store's schema, as numbered migrations (``PRAGMA user_version`` says which ran).

Each migration runs once, in order, inside the transaction that records its number, so a file is
always at one version. Never edit a migration that has shipped: add the next one. Version 1 is the
accounts schema as it was before migrations were numbered (its ``IF NOT EXISTS`` lets it run on
such a file); version 2 adds peer review, which lives here beside the accounts and never in the
warehouse (issue 14).
"""

from __future__ import annotations

ACCOUNTS = """
CREATE TABLE IF NOT EXISTS users (
    username      TEXT PRIMARY KEY,
    role          TEXT NOT NULL CHECK (role IN ('steering', 'reviewer', 'institution')),
    signatory     TEXT CHECK ((role <> 'institution' OR signatory IS NOT NULL)
                              AND (role <> 'steering' OR signatory IS NULL)),
    password_hash TEXT NOT NULL,
    disabled      INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    created_at    TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS assignments (
    username      TEXT NOT NULL REFERENCES users (username) ON DELETE CASCADE,
    submission_id TEXT NOT NULL,
    assigned_at   TEXT NOT NULL,
    PRIMARY KEY (username, submission_id)
);
CREATE INDEX IF NOT EXISTS assignments_by_submission ON assignments (submission_id);
CREATE TABLE IF NOT EXISTS failed_sign_ins (
    username      TEXT NOT NULL,
    at            REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS failed_sign_ins_by_user ON failed_sign_ins (username, at);
CREATE TABLE IF NOT EXISTS sign_in_sessions (
    token_hash    TEXT PRIMARY KEY,  -- sha256 of the cookie's token: the file alone signs nobody in
    username      TEXT NOT NULL REFERENCES users (username) ON DELETE CASCADE,
    created_at    REAL NOT NULL,
    last_seen     REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS sign_in_sessions_by_user ON sign_in_sessions (username);
"""

PEER_REVIEW = """
CREATE TABLE reviewer_profiles (
    username         TEXT PRIMARY KEY REFERENCES users (username) ON DELETE CASCADE,
    institution      TEXT NOT NULL,            -- the reviewer's own signatory (slug)
    institution_type TEXT NOT NULL,
    email            TEXT,
    trained_on       TEXT,                     -- ISO date training was completed (NULL: not trained)
    available        INTEGER NOT NULL DEFAULT 1 CHECK (available IN (0, 1)),
    max_load         INTEGER NOT NULL CHECK (max_load >= 0),
    updated_at       TEXT NOT NULL
);
CREATE TABLE reviewer_conflicts (
    username    TEXT NOT NULL REFERENCES users (username) ON DELETE CASCADE,
    signatory   TEXT NOT NULL,
    reason      TEXT NOT NULL CHECK (length(trim(reason)) > 0),
    declared_at TEXT NOT NULL,
    PRIMARY KEY (username, signatory)
);
CREATE TABLE review_rounds (
    id            TEXT PRIMARY KEY,
    kind          TEXT NOT NULL CHECK (kind IN ('round', 'calibration')),
    window_closes TEXT NOT NULL,               -- the submission window (31 January or 31 July)
    review_due    TEXT NOT NULL,
    consensus_due TEXT NOT NULL CHECK (consensus_due >= review_due),
    team_size     INTEGER NOT NULL CHECK (team_size >= 1),
    status        TEXT NOT NULL CHECK (status IN ('open', 'closed')),
    opened_by     TEXT NOT NULL,
    opened_at     TEXT NOT NULL,
    closed_at     TEXT
);
CREATE TABLE round_submissions (
    round_id       TEXT NOT NULL REFERENCES review_rounds (id) ON DELETE CASCADE,
    submission_id  TEXT NOT NULL,
    signatory      TEXT NOT NULL,
    signatory_name TEXT NOT NULL,
    signatory_type TEXT NOT NULL,
    stage          INTEGER NOT NULL,
    teams_confirmed INTEGER NOT NULL DEFAULT 0 CHECK (teams_confirmed IN (0, 1)),
    PRIMARY KEY (round_id, submission_id)
);
CREATE TABLE team_members (
    round_id      TEXT NOT NULL,
    submission_id TEXT NOT NULL,
    username      TEXT NOT NULL REFERENCES users (username),
    slot          INTEGER NOT NULL,             -- 0 is the lead
    status        TEXT NOT NULL CHECK (status IN ('proposed', 'confirmed', 'recused', 'removed')),
    declaration   TEXT CHECK (declaration IN ('no conflict', 'recused')),
    declared_at   TEXT,
    reason        TEXT,
    PRIMARY KEY (round_id, submission_id, username),
    FOREIGN KEY (round_id, submission_id) REFERENCES round_submissions (round_id, submission_id) ON DELETE CASCADE
);
CREATE TABLE reviews (
    round_id      TEXT NOT NULL,
    submission_id TEXT NOT NULL,
    username      TEXT NOT NULL REFERENCES users (username),
    state         TEXT NOT NULL CHECK (state IN ('draft', 'submitted')),
    started_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    submitted_at  TEXT,
    PRIMARY KEY (round_id, submission_id, username),
    FOREIGN KEY (round_id, submission_id) REFERENCES round_submissions (round_id, submission_id) ON DELETE CASCADE
);
CREATE TABLE review_themes (
    round_id      TEXT NOT NULL,
    submission_id TEXT NOT NULL,
    username      TEXT NOT NULL,                -- '' for the consensus
    theme         TEXT NOT NULL,
    level         INTEGER,
    strengths     TEXT NOT NULL DEFAULT '',
    areas         TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (round_id, submission_id, username, theme)
);
CREATE TABLE review_comments (
    id            INTEGER PRIMARY KEY,
    round_id      TEXT NOT NULL,
    submission_id TEXT NOT NULL,
    username      TEXT NOT NULL,
    theme         TEXT NOT NULL,
    anchor        TEXT NOT NULL CHECK (length(trim(anchor)) > 0),
    text          TEXT NOT NULL CHECK (length(trim(text)) > 0),
    created_at    TEXT NOT NULL
);
CREATE INDEX review_comments_by_submission ON review_comments (round_id, submission_id);
CREATE TABLE consensus (
    round_id      TEXT NOT NULL,
    submission_id TEXT NOT NULL,
    state         TEXT NOT NULL CHECK (state IN ('draft', 'agreed', 'released')),
    outcome       TEXT,
    summary       TEXT NOT NULL DEFAULT '',
    recorded_by   TEXT NOT NULL,
    recorded_at   TEXT NOT NULL,
    released_by   TEXT,
    released_at   TEXT,
    PRIMARY KEY (round_id, submission_id),
    FOREIGN KEY (round_id, submission_id) REFERENCES round_submissions (round_id, submission_id) ON DELETE CASCADE
);
CREATE TABLE outbox (
    id          INTEGER PRIMARY KEY,
    created_at  TEXT NOT NULL,
    recipient   TEXT NOT NULL,
    address     TEXT,
    subject     TEXT NOT NULL,
    body        TEXT NOT NULL,
    status      TEXT NOT NULL,                 -- sent, failed, or not sent (e-mail off / no address)
    detail      TEXT NOT NULL DEFAULT ''
);
"""

#: (version, SQL): applied in order, each once.
MIGRATIONS: tuple[tuple[int, str], ...] = ((1, ACCOUNTS), (2, PEER_REVIEW))
LATEST = MIGRATIONS[-1][0]


def statements(sql: str) -> list[str]:
    return [s for s in sql.split(";") if s.strip()]
