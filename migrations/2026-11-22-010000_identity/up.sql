-- Accounts, device sessions, one-time tokens, the mail outbox, failed sign-ins and the
-- security history.

CREATE TABLE users (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email text,
    username text,
    name text NOT NULL DEFAULT '',
    password_hash text,
    role text NOT NULL DEFAULT 'USER'
        CHECK (role IN ('USER', 'EMPLOYEE', 'MANAGER', 'HEAD_MANAGER', 'OWNER', 'ADMIN')),
    status text NOT NULL DEFAULT 'UNCONFIRMED'
        CHECK (status IN ('UNCONFIRMED', 'ACTIVE', 'INACTIVE')),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    confirmed_at timestamptz,
    deleted_at timestamptz,
    CONSTRAINT users_username_format CHECK (username ~ '^[a-z0-9._-]{3,32}$'),
    CONSTRAINT users_email_format CHECK (email ~ '^[^@\s]+@[^@\s]+$' AND length(email) <= 254),
    CONSTRAINT users_name_length CHECK (length(name) <= 200),
    -- A deleted account keeps its id (records keep their author) and nothing else.
    CONSTRAINT users_deleted_is_anonymous CHECK (
        (deleted_at IS NULL AND email IS NOT NULL AND username IS NOT NULL)
        OR (deleted_at IS NOT NULL AND email IS NULL AND username IS NULL AND password_hash IS NULL)
    )
);
CREATE UNIQUE INDEX users_email_key ON users (lower(email));
CREATE UNIQUE INDEX users_username_key ON users (username);
CREATE INDEX users_unconfirmed_created ON users (created_at) WHERE status = 'UNCONFIRMED';

COMMENT ON TABLE users IS 'Accounts. Deleting one anonymises it: the id stays so that records keep their author.';
COMMENT ON COLUMN users.id IS 'The account id.';
COMMENT ON COLUMN users.email IS 'Sign-in and mail address; unique ignoring case; NULL once deleted.';
COMMENT ON COLUMN users.username IS 'Sign-in name: 3 to 32 of a-z 0-9 . _ -; NULL once deleted.';
COMMENT ON COLUMN users.name IS 'Display name.';
COMMENT ON COLUMN users.password_hash IS 'Argon2id PHC string; NULL means no password works.';
COMMENT ON COLUMN users.role IS 'USER, EMPLOYEE, MANAGER, HEAD_MANAGER, OWNER or ADMIN.';
COMMENT ON COLUMN users.status IS 'UNCONFIRMED until the email is confirmed, then ACTIVE or INACTIVE.';
COMMENT ON COLUMN users.created_at IS 'When the account was registered.';
COMMENT ON COLUMN users.updated_at IS 'When the account last changed.';
COMMENT ON COLUMN users.confirmed_at IS 'When the email address was confirmed.';
COMMENT ON COLUMN users.deleted_at IS 'When the account was deleted (anonymised).';

CREATE TABLE sessions (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    device text NOT NULL DEFAULT '',
    ip inet,
    user_agent text,
    created_at timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    revoked_at timestamptz,
    revoked_reason text,
    CONSTRAINT sessions_device_length CHECK (length(device) <= 100)
);
CREATE INDEX sessions_live_by_user ON sessions (user_id, created_at) WHERE revoked_at IS NULL;

COMMENT ON TABLE sessions IS 'Device sessions: one per sign-in, kept alive by rotating refresh tokens.';
COMMENT ON COLUMN sessions.id IS 'The session id, carried by its access tokens.';
COMMENT ON COLUMN sessions.user_id IS 'The account signed in.';
COMMENT ON COLUMN sessions.device IS 'The device name the client gave at sign-in.';
COMMENT ON COLUMN sessions.ip IS 'The client address at sign-in.';
COMMENT ON COLUMN sessions.user_agent IS 'The User-Agent at sign-in.';
COMMENT ON COLUMN sessions.created_at IS 'When the session began.';
COMMENT ON COLUMN sessions.last_seen_at IS 'When the session was last used (written at most once a minute).';
COMMENT ON COLUMN sessions.expires_at IS 'Absolute end of the session (90 days after sign-in).';
COMMENT ON COLUMN sessions.revoked_at IS 'When the session was ended (logout, revocation, replay); NULL while live.';
COMMENT ON COLUMN sessions.revoked_reason IS 'Why the session was ended.';

CREATE TABLE refresh_tokens (
    token_hash bytea PRIMARY KEY,
    session_id bigint NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    rotated_at timestamptz
);
CREATE INDEX refresh_tokens_session ON refresh_tokens (session_id);
-- One live (unrotated) token per session: two rotations racing cannot both win.
CREATE UNIQUE INDEX refresh_tokens_one_live_per_session ON refresh_tokens (session_id) WHERE rotated_at IS NULL;

COMMENT ON TABLE refresh_tokens IS 'The chain of refresh tokens of each session; only the newest is live.';
COMMENT ON COLUMN refresh_tokens.token_hash IS 'SHA-256 of the token; the token itself is never stored.';
COMMENT ON COLUMN refresh_tokens.session_id IS 'The session the token renews.';
COMMENT ON COLUMN refresh_tokens.created_at IS 'When the token was issued.';
COMMENT ON COLUMN refresh_tokens.expires_at IS 'Idle end: 30 days after issue.';
COMMENT ON COLUMN refresh_tokens.rotated_at IS 'When the token was exchanged for its successor; a later use is a replay.';

CREATE TABLE email_tokens (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose text NOT NULL CHECK (purpose IN ('CONFIRM_EMAIL', 'CHANGE_EMAIL', 'RESET_PASSWORD')),
    token_hash bytea NOT NULL,
    new_email text,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    used_at timestamptz,
    failed_attempts integer NOT NULL DEFAULT 0 CHECK (failed_attempts >= 0)
);
CREATE UNIQUE INDEX email_tokens_hash_key ON email_tokens (token_hash);
CREATE INDEX email_tokens_by_user ON email_tokens (user_id, purpose, created_at);

COMMENT ON TABLE email_tokens IS 'Single-use links and codes sent by mail: email confirmation, email change, password reset.';
COMMENT ON COLUMN email_tokens.id IS 'The token id.';
COMMENT ON COLUMN email_tokens.user_id IS 'The account it acts on.';
COMMENT ON COLUMN email_tokens.purpose IS 'CONFIRM_EMAIL, CHANGE_EMAIL or RESET_PASSWORD.';
COMMENT ON COLUMN email_tokens.token_hash IS 'HMAC of the token or code under a key derived from the server secret.';
COMMENT ON COLUMN email_tokens.new_email IS 'For CHANGE_EMAIL: the address being confirmed.';
COMMENT ON COLUMN email_tokens.created_at IS 'When it was issued.';
COMMENT ON COLUMN email_tokens.expires_at IS 'When it stops working.';
COMMENT ON COLUMN email_tokens.used_at IS 'When it was used; it works once.';
COMMENT ON COLUMN email_tokens.failed_attempts IS 'Wrong guesses so far (codes are void after five).';

CREATE TABLE outbox_mails (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    recipient text NOT NULL,
    subject text NOT NULL,
    body text NOT NULL,
    secret text,
    created_at timestamptz NOT NULL DEFAULT now(),
    attempts integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    sent_at timestamptz,
    last_error text
);
CREATE INDEX outbox_mails_due ON outbox_mails (next_attempt_at) WHERE sent_at IS NULL;

COMMENT ON TABLE outbox_mails IS 'Mail to send, written in the same transaction as the action; a worker delivers it.';
COMMENT ON COLUMN outbox_mails.id IS 'The mail id.';
COMMENT ON COLUMN outbox_mails.recipient IS 'The address it goes to.';
COMMENT ON COLUMN outbox_mails.subject IS 'The subject line.';
COMMENT ON COLUMN outbox_mails.body IS 'The text, with {{secret}} where the token or code goes.';
COMMENT ON COLUMN outbox_mails.secret IS 'The token or code put into the body when sending; erased once sent.';
COMMENT ON COLUMN outbox_mails.created_at IS 'When the mail was queued.';
COMMENT ON COLUMN outbox_mails.attempts IS 'Delivery attempts so far.';
COMMENT ON COLUMN outbox_mails.next_attempt_at IS 'When the worker tries next (backing off after failures).';
COMMENT ON COLUMN outbox_mails.sent_at IS 'When the mail was handed to the SMTP server.';
COMMENT ON COLUMN outbox_mails.last_error IS 'Why the last attempt failed.';

CREATE TABLE login_failures (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id bigint REFERENCES users (id) ON DELETE CASCADE,
    ip inet,
    at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_failures_by_user ON login_failures (user_id, at);
CREATE INDEX login_failures_by_ip ON login_failures (ip, at);

COMMENT ON TABLE login_failures IS 'Failed sign-ins, counted to rate-limit guessing per account and per client address.';
COMMENT ON COLUMN login_failures.id IS 'The failure id.';
COMMENT ON COLUMN login_failures.user_id IS 'The account tried, when the login named one.';
COMMENT ON COLUMN login_failures.ip IS 'The client address.';
COMMENT ON COLUMN login_failures.at IS 'When it happened.';

CREATE TABLE auth_events (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id bigint REFERENCES users (id) ON DELETE CASCADE,
    session_id bigint REFERENCES sessions (id) ON DELETE SET NULL,
    kind text NOT NULL,
    ip inet,
    user_agent text,
    detail text,
    at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX auth_events_by_user ON auth_events (user_id, at DESC, id DESC);

COMMENT ON TABLE auth_events IS 'The sign-in and security history of each account.';
COMMENT ON COLUMN auth_events.id IS 'The event id.';
COMMENT ON COLUMN auth_events.user_id IS 'The account concerned.';
COMMENT ON COLUMN auth_events.session_id IS 'The session concerned, if any.';
COMMENT ON COLUMN auth_events.kind IS 'What happened: SIGN_IN, SIGN_IN_FAILED, REFRESH_REPLAY, LOGOUT, SESSION_REVOKED, ...';
COMMENT ON COLUMN auth_events.ip IS 'The client address.';
COMMENT ON COLUMN auth_events.user_agent IS 'The client User-Agent.';
COMMENT ON COLUMN auth_events.detail IS 'More about the event, for people (never a secret).';
COMMENT ON COLUMN auth_events.at IS 'When it happened.';
