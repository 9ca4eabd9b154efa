// @generated automatically by Diesel CLI.

diesel::table! {
    /// The sign-in and security history of each account.
    auth_events (id) {
        /// The event id.
        id -> Int8,
        /// The account concerned.
        user_id -> Nullable<Int8>,
        /// The session concerned, if any.
        session_id -> Nullable<Int8>,
        /// What happened: SIGN_IN, SIGN_IN_FAILED, REFRESH_REPLAY, LOGOUT, SESSION_REVOKED, ...
        kind -> Text,
        /// The client address.
        ip -> Nullable<Inet>,
        /// The client User-Agent.
        user_agent -> Nullable<Text>,
        /// More about the event, for people (never a secret).
        detail -> Nullable<Text>,
        /// When it happened.
        at -> Timestamptz,
        /// Who made the change, when not the account itself.
        actor_id -> Nullable<Int8>,
        /// For role and status changes: the value before.
        from_value -> Nullable<Text>,
        /// For role and status changes: the value after.
        to_value -> Nullable<Text>,
    }
}

diesel::table! {
    /// Avatar images, stored once per content: any instance serves them.
    avatars (hash) {
        /// SHA-256 of the image, in hex; also its name in /media/avatars/<hash>.webp.
        hash -> Text,
        /// The image: a 256 px square WebP without metadata.
        image -> Bytea,
        /// When it was first uploaded.
        created_at -> Timestamptz,
    }
}

diesel::table! {
    /// Single-use links and codes sent by mail: email confirmation, email change, password reset.
    email_tokens (id) {
        /// The token id.
        id -> Int8,
        /// The account it acts on.
        user_id -> Int8,
        /// CONFIRM_EMAIL, CHANGE_EMAIL or RESET_PASSWORD.
        purpose -> Text,
        /// HMAC of the token or code under a key derived from the server secret.
        token_hash -> Bytea,
        /// For CHANGE_EMAIL: the address being confirmed.
        new_email -> Nullable<Text>,
        /// When it was issued.
        created_at -> Timestamptz,
        /// When it stops working.
        expires_at -> Timestamptz,
        /// When it was used; it works once.
        used_at -> Nullable<Timestamptz>,
        /// Wrong guesses so far (codes are void after five).
        failed_attempts -> Int4,
    }
}

diesel::table! {
    /// Failed sign-ins, counted to rate-limit guessing per account and per client address.
    login_failures (id) {
        /// The failure id.
        id -> Int8,
        /// The account tried, when the login named one.
        user_id -> Nullable<Int8>,
        /// The client address.
        ip -> Nullable<Inet>,
        /// When it happened.
        at -> Timestamptz,
    }
}

diesel::table! {
    /// Mail to send, written in the same transaction as the action; a worker delivers it.
    outbox_mails (id) {
        /// The mail id.
        id -> Int8,
        /// The address it goes to.
        recipient -> Text,
        /// The subject line.
        subject -> Text,
        /// The text, with {{secret}} where the token or code goes.
        body -> Text,
        /// The token or code put into the body when sending; erased once sent.
        secret -> Nullable<Text>,
        /// When the mail was queued.
        created_at -> Timestamptz,
        /// Delivery attempts so far.
        attempts -> Int4,
        /// When the worker tries next (backing off after failures).
        next_attempt_at -> Timestamptz,
        /// When the mail was handed to the SMTP server.
        sent_at -> Nullable<Timestamptz>,
        /// Why the last attempt failed.
        last_error -> Nullable<Text>,
    }
}

diesel::table! {
    /// The chain of refresh tokens of each session; only the newest is live.
    refresh_tokens (token_hash) {
        /// SHA-256 of the token; the token itself is never stored.
        token_hash -> Bytea,
        /// The session the token renews.
        session_id -> Int8,
        /// When the token was issued.
        created_at -> Timestamptz,
        /// Idle end: 30 days after issue.
        expires_at -> Timestamptz,
        /// When the token was exchanged for its successor; a later use is a replay.
        rotated_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    /// Requests to demote an OWNER: they apply only when another owner confirms.
    role_changes (id) {
        /// The request id.
        id -> Int8,
        /// The owner to be demoted.
        user_id -> Int8,
        /// The role when the request was made.
        from_role -> Text,
        /// The role asked for.
        to_role -> Text,
        /// Who asked.
        requested_by -> Int8,
        /// PENDING, CONFIRMED, REJECTED or EXPIRED.
        status -> Text,
        /// The owner who confirmed or rejected it.
        decided_by -> Nullable<Int8>,
        /// When it was asked for.
        created_at -> Timestamptz,
        /// When it lapses unless decided (7 days).
        expires_at -> Timestamptz,
        /// When it was confirmed, rejected or found expired.
        decided_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    /// Secrets generated by the server itself in dev, shared by every instance (prod takes them from the environment).
    server_secrets (name) {
        /// What the secret is for, e.g. jwt.
        name -> Text,
        /// The secret bytes (at least 32).
        value -> Bytea,
        /// When the secret was generated.
        created_at -> Timestamptz,
    }
}

diesel::table! {
    /// Device sessions: one per sign-in, kept alive by rotating refresh tokens.
    sessions (id) {
        /// The session id, carried by its access tokens.
        id -> Int8,
        /// The account signed in.
        user_id -> Int8,
        /// The device name the client gave at sign-in.
        device -> Text,
        /// The client address at sign-in.
        ip -> Nullable<Inet>,
        /// The User-Agent at sign-in.
        user_agent -> Nullable<Text>,
        /// When the session began.
        created_at -> Timestamptz,
        /// When the session was last used (written at most once a minute).
        last_seen_at -> Timestamptz,
        /// Absolute end of the session (90 days after sign-in).
        expires_at -> Timestamptz,
        /// When the session was ended (logout, revocation, replay); NULL while live.
        revoked_at -> Nullable<Timestamptz>,
        /// Why the session was ended.
        revoked_reason -> Nullable<Text>,
    }
}

diesel::table! {
    /// Accounts. Deleting one anonymises it: the id stays so that records keep their author.
    users (id) {
        /// The account id.
        id -> Int8,
        /// Sign-in and mail address; unique ignoring case; NULL once deleted.
        email -> Nullable<Text>,
        /// Sign-in name: 3 to 32 of a-z 0-9 . _ -; NULL once deleted.
        username -> Nullable<Text>,
        /// Display name.
        name -> Text,
        /// Argon2id PHC string; NULL means no password works.
        password_hash -> Nullable<Text>,
        /// USER, EMPLOYEE, MANAGER, HEAD_MANAGER, OWNER or ADMIN.
        role -> Text,
        /// UNCONFIRMED until the email is confirmed, then ACTIVE or INACTIVE.
        status -> Text,
        /// When the account was registered.
        created_at -> Timestamptz,
        /// When the account last changed.
        updated_at -> Timestamptz,
        /// When the email address was confirmed.
        confirmed_at -> Nullable<Timestamptz>,
        /// When the account was deleted (anonymised).
        deleted_at -> Nullable<Timestamptz>,
        /// The account's avatar, if any.
        avatar_hash -> Nullable<Text>,
    }
}

diesel::joinable!(auth_events -> sessions (session_id));
diesel::joinable!(email_tokens -> users (user_id));
diesel::joinable!(login_failures -> users (user_id));
diesel::joinable!(refresh_tokens -> sessions (session_id));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(users -> avatars (avatar_hash));

diesel::allow_tables_to_appear_in_same_query!(
    auth_events,
    avatars,
    email_tokens,
    login_failures,
    outbox_mails,
    refresh_tokens,
    role_changes,
    server_secrets,
    sessions,
    users,
);
