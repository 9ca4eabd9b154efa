-- Workforce: companies and their members, employees, work sessions with their edit history,
-- idempotency keys, kiosks, and the live events every instance hears.

-- Exclusion constraints over (employee, time range) need GiST on bigint.
CREATE EXTENSION IF NOT EXISTS btree_gist;

-- Accounts are hard-deleted while unconfirmed: every reference to one cascades or is cleared.
ALTER TABLE auth_events DROP CONSTRAINT auth_events_actor_id_fkey,
    ADD CONSTRAINT auth_events_actor_id_fkey FOREIGN KEY (actor_id) REFERENCES users (id) ON DELETE SET NULL;
ALTER TABLE role_changes DROP CONSTRAINT role_changes_requested_by_fkey,
    ADD CONSTRAINT role_changes_requested_by_fkey FOREIGN KEY (requested_by) REFERENCES users (id) ON DELETE CASCADE;
ALTER TABLE role_changes DROP CONSTRAINT role_changes_decided_by_fkey,
    ADD CONSTRAINT role_changes_decided_by_fkey FOREIGN KEY (decided_by) REFERENCES users (id) ON DELETE SET NULL;

CREATE FUNCTION rollcall_is_time_zone(zone text) RETURNS boolean
    LANGUAGE sql STABLE
    AS $$ SELECT EXISTS (SELECT 1 FROM pg_timezone_names WHERE name = zone) $$;
COMMENT ON FUNCTION rollcall_is_time_zone(text) IS 'Whether PostgreSQL knows this IANA time zone name.';

CREATE TABLE companies (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name text NOT NULL,
    time_zone text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT companies_name_length CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    CONSTRAINT companies_time_zone_known CHECK (rollcall_is_time_zone(time_zone))
);
CREATE UNIQUE INDEX companies_name_key ON companies (lower(name));

COMMENT ON TABLE companies IS 'Organisations (an office, a studio, a school): their people work in their time zone.';
COMMENT ON COLUMN companies.id IS 'The company id.';
COMMENT ON COLUMN companies.name IS 'Display name, unique ignoring case.';
COMMENT ON COLUMN companies.time_zone IS 'IANA time zone of its calendar days, e.g. Europe/Madrid.';
COMMENT ON COLUMN companies.created_at IS 'When the company was created.';
COMMENT ON COLUMN companies.updated_at IS 'When the company last changed.';

CREATE TABLE company_members (
    company_id bigint NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (company_id, user_id)
);
CREATE INDEX company_members_by_user ON company_members (user_id, company_id);

COMMENT ON TABLE company_members IS 'Which accounts belong to which companies: managers act in the companies they are members of.';
COMMENT ON COLUMN company_members.company_id IS 'The company.';
COMMENT ON COLUMN company_members.user_id IS 'The member account.';
COMMENT ON COLUMN company_members.created_at IS 'When the account joined the company.';

CREATE TABLE employees (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    company_id bigint NOT NULL REFERENCES companies (id),
    name text,
    email text,
    annual_hours integer NOT NULL,
    user_id bigint,
    active boolean NOT NULL DEFAULT true,
    fingerprint_mac bytea,
    pin_mac bytea,
    erased_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT employees_annual_hours_range CHECK (annual_hours BETWEEN 0 AND 8784),
    CONSTRAINT employees_name_length CHECK (erased_at IS NOT NULL OR length(btrim(name)) BETWEEN 1 AND 200),
    CONSTRAINT employees_email_format CHECK (email ~ '^[^@\s]+@[^@\s]+$' AND length(email) <= 254),
    -- Removing a member (or deleting its account) unlinks its employee records; they stay.
    CONSTRAINT employees_user_is_member FOREIGN KEY (company_id, user_id)
        REFERENCES company_members (company_id, user_id) ON DELETE SET NULL (user_id),
    CONSTRAINT employees_erased_is_anonymous CHECK (
        erased_at IS NULL
        OR (name IS NULL AND email IS NULL AND user_id IS NULL AND fingerprint_mac IS NULL
            AND pin_mac IS NULL AND NOT active)
    )
);
CREATE UNIQUE INDEX employees_one_per_user ON employees (company_id, user_id);
CREATE UNIQUE INDEX employees_fingerprint_key ON employees (company_id, fingerprint_mac);
CREATE INDEX employees_by_company ON employees (company_id, id);
CREATE INDEX employees_by_user ON employees (user_id) WHERE user_id IS NOT NULL;

COMMENT ON TABLE employees IS 'People whose time is kept, each in one company for life; optionally linked to a member account.';
COMMENT ON COLUMN employees.id IS 'The employee id.';
COMMENT ON COLUMN employees.company_id IS 'The company the employee works for; never changes.';
COMMENT ON COLUMN employees.name IS 'Full name; NULL once erased.';
COMMENT ON COLUMN employees.email IS 'Contact address, if any; NULL once erased.';
COMMENT ON COLUMN employees.annual_hours IS 'Hours to work in a year, 0 to 8784.';
COMMENT ON COLUMN employees.user_id IS 'The member account that is this employee, if any (one employee per account and company).';
COMMENT ON COLUMN employees.active IS 'False once archived: no more clock-ins.';
COMMENT ON COLUMN employees.fingerprint_mac IS 'HMAC of the enrolled fingerprint signature under the data key; unique per company.';
COMMENT ON COLUMN employees.pin_mac IS 'HMAC of the kiosk PIN (with the employee id) under the data key.';
COMMENT ON COLUMN employees.erased_at IS 'When the person asked to be forgotten: name, email, fingerprint and PIN are gone; sessions stay.';
COMMENT ON COLUMN employees.created_at IS 'When the employee was created.';
COMMENT ON COLUMN employees.updated_at IS 'When the employee last changed.';

CREATE TABLE work_sessions (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    employee_id bigint NOT NULL REFERENCES employees (id),
    started_at timestamptz NOT NULL,
    ended_at timestamptz,
    source text NOT NULL CHECK (source IN ('CLOCK', 'KIOSK', 'MANUAL')),
    created_by bigint REFERENCES users (id) ON DELETE SET NULL,
    note text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT work_sessions_end_after_start CHECK (ended_at IS NULL OR ended_at > started_at),
    CONSTRAINT work_sessions_note_length CHECK (length(note) <= 500),
    CONSTRAINT work_sessions_no_overlap
        EXCLUDE USING gist (employee_id WITH =, tstzrange(started_at, ended_at, '[)') WITH &&)
);
CREATE UNIQUE INDEX work_sessions_one_open ON work_sessions (employee_id) WHERE ended_at IS NULL;
CREATE INDEX work_sessions_by_employee ON work_sessions (employee_id, started_at DESC, id DESC);
CREATE INDEX work_sessions_by_start ON work_sessions (started_at DESC, id DESC);

COMMENT ON TABLE work_sessions IS 'Time worked: from a clock-in to its clock-out (open while ended_at is NULL).';
COMMENT ON COLUMN work_sessions.id IS 'The session id.';
COMMENT ON COLUMN work_sessions.employee_id IS 'Who worked.';
COMMENT ON COLUMN work_sessions.started_at IS 'When the work started (the database clock for clock-ins).';
COMMENT ON COLUMN work_sessions.ended_at IS 'When it ended; NULL while open.';
COMMENT ON COLUMN work_sessions.source IS 'CLOCK (the person clocked in), KIOSK (at a kiosk) or MANUAL (entered or backdated by a manager).';
COMMENT ON COLUMN work_sessions.created_by IS 'The account that made the session, if any.';
COMMENT ON COLUMN work_sessions.note IS 'A note, at most 500 characters.';
COMMENT ON COLUMN work_sessions.created_at IS 'When the row was written.';
COMMENT ON COLUMN work_sessions.updated_at IS 'When the row last changed.';

CREATE TABLE work_session_changes (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    session_id bigint NOT NULL,
    employee_id bigint NOT NULL REFERENCES employees (id),
    kind text NOT NULL CHECK (kind IN ('CREATED', 'UPDATED', 'DELETED')),
    actor_id bigint REFERENCES users (id) ON DELETE SET NULL,
    at timestamptz NOT NULL DEFAULT now(),
    before jsonb,
    after jsonb,
    reason text
);
CREATE INDEX work_session_changes_by_session ON work_session_changes (session_id, at, id);
CREATE INDEX work_session_changes_by_employee ON work_session_changes (employee_id, at DESC, id DESC);

COMMENT ON TABLE work_session_changes IS 'Edit history of work sessions, written by a trigger: every update and deletion, and manual creations (clock-outs are not edits).';
COMMENT ON COLUMN work_session_changes.id IS 'The change id.';
COMMENT ON COLUMN work_session_changes.session_id IS 'The session changed (it may be deleted since).';
COMMENT ON COLUMN work_session_changes.employee_id IS 'Whose session it is.';
COMMENT ON COLUMN work_session_changes.kind IS 'CREATED, UPDATED or DELETED.';
COMMENT ON COLUMN work_session_changes.actor_id IS 'Who made the change (transaction setting rollcall.actor_id).';
COMMENT ON COLUMN work_session_changes.at IS 'When.';
COMMENT ON COLUMN work_session_changes.before IS 'The session before the change (NULL for a creation).';
COMMENT ON COLUMN work_session_changes.after IS 'The session after the change (NULL for a deletion).';
COMMENT ON COLUMN work_session_changes.reason IS 'Why (transaction setting rollcall.reason).';

CREATE TABLE clock_idempotency_keys (
    employee_id bigint NOT NULL REFERENCES employees (id),
    key text NOT NULL,
    request text NOT NULL,
    session_id bigint NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (employee_id, key),
    CONSTRAINT clock_idempotency_keys_length CHECK (length(key) BETWEEN 1 AND 100)
);
CREATE INDEX clock_idempotency_keys_by_age ON clock_idempotency_keys (created_at);

COMMENT ON TABLE clock_idempotency_keys IS 'Clock-in and clock-out retries: a key answers the session its first use made, for 24 hours.';
COMMENT ON COLUMN clock_idempotency_keys.employee_id IS 'Whose clock it was.';
COMMENT ON COLUMN clock_idempotency_keys.key IS 'The client''s idempotency key, unique per employee.';
COMMENT ON COLUMN clock_idempotency_keys.request IS 'The operation and its arguments: the same key with others is refused.';
COMMENT ON COLUMN clock_idempotency_keys.session_id IS 'The session the first use answered.';
COMMENT ON COLUMN clock_idempotency_keys.created_at IS 'When the key was first used.';

CREATE TABLE kiosks (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    company_id bigint NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    name text NOT NULL,
    token_hash bytea NOT NULL UNIQUE,
    created_by bigint REFERENCES users (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    revoked_at timestamptz,
    CONSTRAINT kiosks_name_length CHECK (length(btrim(name)) BETWEEN 1 AND 100)
);
CREATE INDEX kiosks_by_company ON kiosks (company_id, id);

COMMENT ON TABLE kiosks IS 'Shared clock-in terminals of a company, each signed in with a token of its own.';
COMMENT ON COLUMN kiosks.id IS 'The kiosk id.';
COMMENT ON COLUMN kiosks.company_id IS 'The company whose employees clock in there.';
COMMENT ON COLUMN kiosks.name IS 'Where it stands, e.g. Front door.';
COMMENT ON COLUMN kiosks.token_hash IS 'SHA-256 of the kiosk token (shown once when registered).';
COMMENT ON COLUMN kiosks.created_by IS 'The account that registered it.';
COMMENT ON COLUMN kiosks.created_at IS 'When it was registered.';
COMMENT ON COLUMN kiosks.last_used_at IS 'When it last clocked someone in or out.';
COMMENT ON COLUMN kiosks.revoked_at IS 'When its token stopped working.';

CREATE TABLE kiosk_clocks (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kiosk_id bigint NOT NULL REFERENCES kiosks (id) ON DELETE CASCADE,
    employee_id bigint NOT NULL REFERENCES employees (id),
    kind text CHECK (kind IN ('CLOCK_IN', 'CLOCK_OUT')),
    session_id bigint,
    at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX kiosk_clocks_by_employee ON kiosk_clocks (employee_id, at DESC);

COMMENT ON TABLE kiosk_clocks IS 'What kiosks did: clocks (kind set) and wrong PINs (kind NULL), for repeats and the PIN limit.';
COMMENT ON COLUMN kiosk_clocks.id IS 'The record id.';
COMMENT ON COLUMN kiosk_clocks.kiosk_id IS 'The kiosk.';
COMMENT ON COLUMN kiosk_clocks.employee_id IS 'The employee matched.';
COMMENT ON COLUMN kiosk_clocks.kind IS 'CLOCK_IN or CLOCK_OUT; NULL for a wrong PIN.';
COMMENT ON COLUMN kiosk_clocks.session_id IS 'The session clocked.';
COMMENT ON COLUMN kiosk_clocks.at IS 'When.';

CREATE TABLE live_events (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind text NOT NULL,
    company_id bigint,
    employee_id bigint,
    user_id bigint,
    payload jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX live_events_by_time ON live_events (created_at, id);

COMMENT ON TABLE live_events IS 'Events for live subscriptions, as announced on channel rollcall_live; read back after a lost listener; pruned after 7 days.';
COMMENT ON COLUMN live_events.id IS 'The event id (not in commit order).';
COMMENT ON COLUMN live_events.kind IS 'CLOCK_IN, CLOCK_OUT, CREATED, UPDATED, DELETED, or SCOPE (an account''s access changed).';
COMMENT ON COLUMN live_events.company_id IS 'The company concerned.';
COMMENT ON COLUMN live_events.employee_id IS 'The employee concerned.';
COMMENT ON COLUMN live_events.user_id IS 'For SCOPE: the account whose access changed.';
COMMENT ON COLUMN live_events.payload IS 'The snapshot subscribers answer from, as notified.';
COMMENT ON COLUMN live_events.created_at IS 'When the event was written (wall clock).';

-- Stores an event and announces it to every instance at commit.
CREATE FUNCTION rollcall_live_event(event_kind text, company bigint, employee bigint, account bigint, body jsonb)
    RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    event_id bigint := nextval(pg_get_serial_sequence('live_events', 'id'));
    event_at timestamptz := clock_timestamp();
    event_payload jsonb := body || jsonb_build_object('id', event_id, 'kind', event_kind,
        'companyId', company, 'employeeId', employee, 'userId', account, 'at', event_at);
BEGIN
    INSERT INTO live_events (id, kind, company_id, employee_id, user_id, payload, created_at)
        OVERRIDING SYSTEM VALUE
        VALUES (event_id, event_kind, company, employee, account, event_payload, event_at);
    PERFORM pg_notify('rollcall_live', event_payload::text);
END $$;

-- The history and the live event of each change of a work session. Who and why come from
-- transaction settings (rollcall.actor_id, rollcall.reason); rollcall.change = 'clock' marks a
-- clock-in or clock-out, which is not an edit.
CREATE FUNCTION rollcall_work_session_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    actor bigint := NULLIF(current_setting('rollcall.actor_id', true), '')::bigint;
    why text := NULLIF(current_setting('rollcall.reason', true), '');
    clocking boolean := coalesce(current_setting('rollcall.change', true), '') = 'clock';
    row_ work_sessions := CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
    kind text;
    emp employees;
    who jsonb;
BEGIN
    IF TG_OP = 'INSERT' THEN
        kind := CASE WHEN NEW.ended_at IS NULL AND NEW.source <> 'MANUAL' THEN 'CLOCK_IN' ELSE 'CREATED' END;
        IF NEW.source = 'MANUAL' THEN
            INSERT INTO work_session_changes (session_id, employee_id, kind, actor_id, after, reason)
                VALUES (NEW.id, NEW.employee_id, 'CREATED', actor, to_jsonb(NEW), why);
        END IF;
    ELSIF TG_OP = 'UPDATE' THEN
        IF clocking AND OLD.ended_at IS NULL AND NEW.ended_at IS NOT NULL THEN
            kind := 'CLOCK_OUT';
        ELSE
            kind := 'UPDATED';
            INSERT INTO work_session_changes (session_id, employee_id, kind, actor_id, before, after, reason)
                VALUES (NEW.id, NEW.employee_id, 'UPDATED', actor, to_jsonb(OLD), to_jsonb(NEW), why);
        END IF;
    ELSE
        kind := 'DELETED';
        INSERT INTO work_session_changes (session_id, employee_id, kind, actor_id, before, reason)
            VALUES (OLD.id, OLD.employee_id, 'DELETED', actor, to_jsonb(OLD), why);
    END IF;
    SELECT * INTO emp FROM employees WHERE id = row_.employee_id;
    SELECT to_jsonb(u) - 'password_hash' INTO who FROM users u WHERE u.id = actor;
    PERFORM rollcall_live_event(kind, emp.company_id, emp.id, NULL, jsonb_build_object(
        'sessionId', row_.id,
        'session', CASE WHEN TG_OP = 'DELETE' THEN NULL ELSE to_jsonb(NEW) END,
        'employee', to_jsonb(emp) - 'fingerprint_mac' - 'pin_mac'
            || jsonb_build_object('has_fingerprint', emp.fingerprint_mac IS NOT NULL),
        'actor', who));
    RETURN NULL;
END $$;

CREATE TRIGGER work_sessions_changed AFTER INSERT OR UPDATE OR DELETE ON work_sessions
    FOR EACH ROW EXECUTE FUNCTION rollcall_work_session_changed();

-- Existing staff join a company of their own, in UTC, until owners arrange them.
INSERT INTO companies (name, time_zone)
    SELECT 'Default', 'UTC'
    WHERE EXISTS (SELECT 1 FROM users WHERE role IN ('EMPLOYEE', 'MANAGER', 'HEAD_MANAGER') AND deleted_at IS NULL);
INSERT INTO company_members (company_id, user_id)
    SELECT c.id, u.id FROM companies c, users u
    WHERE c.name = 'Default' AND u.role IN ('EMPLOYEE', 'MANAGER', 'HEAD_MANAGER') AND u.deleted_at IS NULL;
