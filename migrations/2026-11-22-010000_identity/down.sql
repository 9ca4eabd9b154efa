DROP TABLE auth_events;
DROP TABLE login_failures;
DROP TABLE outbox_mails;
DROP TABLE email_tokens;
DROP TABLE refresh_tokens;
DROP TABLE sessions;
DROP TABLE users;
