-- Avatars, role changes awaiting an owner's confirmation, and who did what in the history.

CREATE TABLE avatars (
    hash text PRIMARY KEY CHECK (hash ~ '^[0-9a-f]{64}$'),
    image bytea NOT NULL CHECK (octet_length(image) <= 1048576),
    created_at timestamptz NOT NULL DEFAULT now()
);

COMMENT ON TABLE avatars IS 'Avatar images, stored once per content: any instance serves them.';
COMMENT ON COLUMN avatars.hash IS 'SHA-256 of the image, in hex; also its name in /media/avatars/<hash>.webp.';
COMMENT ON COLUMN avatars.image IS 'The image: a 256 px square WebP without metadata.';
COMMENT ON COLUMN avatars.created_at IS 'When it was first uploaded.';

ALTER TABLE users ADD COLUMN avatar_hash text REFERENCES avatars (hash);
COMMENT ON COLUMN users.avatar_hash IS 'The account''s avatar, if any.';

ALTER TABLE users DROP CONSTRAINT users_deleted_is_anonymous;
ALTER TABLE users ADD CONSTRAINT users_deleted_is_anonymous CHECK (
    (deleted_at IS NULL AND email IS NOT NULL AND username IS NOT NULL)
    OR (deleted_at IS NOT NULL AND email IS NULL AND username IS NULL
        AND password_hash IS NULL AND avatar_hash IS NULL)
);
CREATE INDEX users_role_status ON users (role, status) WHERE deleted_at IS NULL;

CREATE TABLE role_changes (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    from_role text NOT NULL,
    to_role text NOT NULL,
    requested_by bigint NOT NULL REFERENCES users (id),
    status text NOT NULL DEFAULT 'PENDING'
        CHECK (status IN ('PENDING', 'CONFIRMED', 'REJECTED', 'EXPIRED')),
    decided_by bigint REFERENCES users (id),
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    decided_at timestamptz,
    CONSTRAINT role_changes_decided CHECK ((status = 'PENDING') = (decided_at IS NULL))
);
-- One pending request per account at a time.
CREATE UNIQUE INDEX role_changes_one_pending ON role_changes (user_id) WHERE status = 'PENDING';

COMMENT ON TABLE role_changes IS 'Requests to demote an OWNER: they apply only when another owner confirms.';
COMMENT ON COLUMN role_changes.id IS 'The request id.';
COMMENT ON COLUMN role_changes.user_id IS 'The owner to be demoted.';
COMMENT ON COLUMN role_changes.from_role IS 'The role when the request was made.';
COMMENT ON COLUMN role_changes.to_role IS 'The role asked for.';
COMMENT ON COLUMN role_changes.requested_by IS 'Who asked.';
COMMENT ON COLUMN role_changes.status IS 'PENDING, CONFIRMED, REJECTED or EXPIRED.';
COMMENT ON COLUMN role_changes.decided_by IS 'The owner who confirmed or rejected it.';
COMMENT ON COLUMN role_changes.created_at IS 'When it was asked for.';
COMMENT ON COLUMN role_changes.expires_at IS 'When it lapses unless decided (7 days).';
COMMENT ON COLUMN role_changes.decided_at IS 'When it was confirmed, rejected or found expired.';

ALTER TABLE auth_events
    ADD COLUMN actor_id bigint REFERENCES users (id),
    ADD COLUMN from_value text,
    ADD COLUMN to_value text;
COMMENT ON COLUMN auth_events.actor_id IS 'Who made the change, when not the account itself.';
COMMENT ON COLUMN auth_events.from_value IS 'For role and status changes: the value before.';
COMMENT ON COLUMN auth_events.to_value IS 'For role and status changes: the value after.';
