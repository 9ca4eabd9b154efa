ALTER TABLE auth_events DROP COLUMN actor_id, DROP COLUMN from_value, DROP COLUMN to_value;
DROP TABLE role_changes;
DROP INDEX users_role_status;
ALTER TABLE users DROP CONSTRAINT users_deleted_is_anonymous;
ALTER TABLE users DROP COLUMN avatar_hash;
ALTER TABLE users ADD CONSTRAINT users_deleted_is_anonymous CHECK (
    (deleted_at IS NULL AND email IS NOT NULL AND username IS NOT NULL)
    OR (deleted_at IS NOT NULL AND email IS NULL AND username IS NULL AND password_hash IS NULL)
);
DROP TABLE avatars;
