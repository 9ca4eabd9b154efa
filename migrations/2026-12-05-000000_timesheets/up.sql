-- Timesheets: each employee's week (Sunday to Saturday, in the zone its row records), the hours
-- reported on it, its planned shifts, the approval workflow with its history, notes, and the
-- lock a finalized week puts on everything it covers.

-- The Sunday that starts the week of `day`.
CREATE FUNCTION rollcall_week_of(day date) RETURNS date
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT day - extract(dow FROM day)::integer $$;
COMMENT ON FUNCTION rollcall_week_of(date) IS 'The Sunday that starts the week of a day.';

-- The instants a week covers in a time zone: from its Sunday's midnight to the next Sunday's,
-- local time (so a week with a clock change lasts 167 or 169 hours).
CREATE FUNCTION rollcall_week_period(week date, zone text) RETURNS tstzrange
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT tstzrange(week::timestamp AT TIME ZONE zone, (week + 7)::timestamp AT TIME ZONE zone, '[)') $$;
COMMENT ON FUNCTION rollcall_week_period(date, text) IS 'The instants a week (from its Sunday) covers in a time zone.';

CREATE TABLE timesheets (
    employee_id bigint NOT NULL REFERENCES employees (id),
    week date NOT NULL,
    time_zone text NOT NULL,
    period tstzrange NOT NULL,
    status text NOT NULL DEFAULT 'DRAFT'
        CHECK (status IN ('DRAFT', 'HOURS_SUBMITTED', 'HOURS_REVIEWED', 'FINALIZED')),
    hours_submitted_at timestamptz,
    hours_submitted_by bigint REFERENCES users (id) ON DELETE SET NULL,
    hours_reviewed_at timestamptz,
    hours_reviewed_by bigint REFERENCES users (id) ON DELETE SET NULL,
    schedule_submitted_at timestamptz,
    schedule_submitted_by bigint REFERENCES users (id) ON DELETE SET NULL,
    finalized_at timestamptz,
    finalized_by bigint REFERENCES users (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (employee_id, week),
    CONSTRAINT timesheets_week_is_sunday CHECK (rollcall_week_of(week) = week),
    CONSTRAINT timesheets_period_is_week CHECK (period = rollcall_week_period(week, time_zone))
);
CREATE INDEX timesheets_by_week ON timesheets (week, employee_id);
CREATE INDEX timesheets_finalized ON timesheets USING gist (employee_id, period) WHERE status = 'FINALIZED';

COMMENT ON TABLE timesheets IS 'One employee''s week, Sunday to Saturday, once anything was written for it (a week without a row reads as DRAFT).';
COMMENT ON COLUMN timesheets.employee_id IS 'Whose week it is.';
COMMENT ON COLUMN timesheets.week IS 'The Sunday the week starts on.';
COMMENT ON COLUMN timesheets.time_zone IS 'The company''s time zone when the row was made: the week stays in it when the company moves.';
COMMENT ON COLUMN timesheets.period IS 'The instants the week covers in its zone.';
COMMENT ON COLUMN timesheets.status IS 'DRAFT, HOURS_SUBMITTED, HOURS_REVIEWED or FINALIZED.';
COMMENT ON COLUMN timesheets.hours_submitted_at IS 'When the hours were submitted.';
COMMENT ON COLUMN timesheets.hours_submitted_by IS 'Who submitted the hours.';
COMMENT ON COLUMN timesheets.hours_reviewed_at IS 'When a manager reviewed the hours.';
COMMENT ON COLUMN timesheets.hours_reviewed_by IS 'Who reviewed the hours.';
COMMENT ON COLUMN timesheets.schedule_submitted_at IS 'When the schedule was submitted (it is then locked); NULL while it may change.';
COMMENT ON COLUMN timesheets.schedule_submitted_by IS 'Who submitted the schedule.';
COMMENT ON COLUMN timesheets.finalized_at IS 'When the week was finalized.';
COMMENT ON COLUMN timesheets.finalized_by IS 'Who finalized the week.';
COMMENT ON COLUMN timesheets.created_at IS 'When the row was first written.';
COMMENT ON COLUMN timesheets.updated_at IS 'When the row last changed.';

CREATE TABLE timesheet_entries (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    employee_id bigint NOT NULL,
    week date NOT NULL GENERATED ALWAYS AS (rollcall_week_of(date)) STORED,
    date date NOT NULL,
    start_time time NOT NULL,
    end_time time NOT NULL,
    starts_at timestamptz NOT NULL,
    ends_at timestamptz NOT NULL,
    break_minutes integer NOT NULL DEFAULT 0,
    source text NOT NULL CHECK (source IN ('CLOCK', 'MANUAL')),
    work_session_id bigint REFERENCES work_sessions (id) ON DELETE SET NULL,
    clock_started_at timestamptz,
    clock_ended_at timestamptz,
    comment text,
    created_by bigint REFERENCES users (id) ON DELETE SET NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (employee_id, week) REFERENCES timesheets (employee_id, week),
    CONSTRAINT timesheet_entries_minutes CHECK (start_time = date_trunc('minute', start_time) AND end_time = date_trunc('minute', end_time)),
    CONSTRAINT timesheet_entries_break CHECK (break_minutes >= 0 AND break_minutes * interval '1 minute' < ends_at - starts_at),
    CONSTRAINT timesheet_entries_comment_length CHECK (length(comment) <= 500)
);
CREATE INDEX timesheet_entries_by_sheet ON timesheet_entries (employee_id, week, starts_at, id);
CREATE UNIQUE INDEX timesheet_entries_one_per_session ON timesheet_entries (work_session_id);

COMMENT ON TABLE timesheet_entries IS 'Hours as reported: what the employee (or a manager) says was worked, typed in or copied from a clocked session.';
COMMENT ON COLUMN timesheet_entries.id IS 'The entry id.';
COMMENT ON COLUMN timesheet_entries.employee_id IS 'Whose hours.';
COMMENT ON COLUMN timesheet_entries.week IS 'The week (its Sunday) of the entry''s date.';
COMMENT ON COLUMN timesheet_entries.date IS 'The local day the work started on.';
COMMENT ON COLUMN timesheet_entries.start_time IS 'Local start time, to the minute.';
COMMENT ON COLUMN timesheet_entries.end_time IS 'Local end time, to the minute; at or before the start means the next day.';
COMMENT ON COLUMN timesheet_entries.starts_at IS 'The start as an instant, in the sheet''s zone (set by a trigger).';
COMMENT ON COLUMN timesheet_entries.ends_at IS 'The end as an instant, in the sheet''s zone (set by a trigger).';
COMMENT ON COLUMN timesheet_entries.break_minutes IS 'Break taken within the entry, in minutes.';
COMMENT ON COLUMN timesheet_entries.source IS 'CLOCK (copied from a session) or MANUAL.';
COMMENT ON COLUMN timesheet_entries.work_session_id IS 'The session a CLOCK entry was copied from (NULL once deleted).';
COMMENT ON COLUMN timesheet_entries.clock_started_at IS 'The session''s start when copied: a later change shows as differing from the clock.';
COMMENT ON COLUMN timesheet_entries.clock_ended_at IS 'The session''s end when copied.';
COMMENT ON COLUMN timesheet_entries.comment IS 'A comment, at most 500 characters.';
COMMENT ON COLUMN timesheet_entries.created_by IS 'Who wrote the entry.';
COMMENT ON COLUMN timesheet_entries.updated_at IS 'When the entry was written or last changed.';

CREATE TABLE schedule_entries (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    employee_id bigint NOT NULL,
    week date NOT NULL GENERATED ALWAYS AS (rollcall_week_of(date)) STORED,
    date date NOT NULL,
    start_time time NOT NULL,
    end_time time NOT NULL,
    starts_at timestamptz NOT NULL,
    ends_at timestamptz NOT NULL,
    location text,
    comment text,
    created_by bigint REFERENCES users (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (employee_id, week) REFERENCES timesheets (employee_id, week),
    CONSTRAINT schedule_entries_minutes CHECK (start_time = date_trunc('minute', start_time) AND end_time = date_trunc('minute', end_time)),
    CONSTRAINT schedule_entries_location_length CHECK (length(location) <= 200),
    CONSTRAINT schedule_entries_comment_length CHECK (length(comment) <= 500),
    CONSTRAINT schedule_entries_no_overlap
        EXCLUDE USING gist (employee_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&)
);
CREATE INDEX schedule_entries_by_sheet ON schedule_entries (employee_id, week, starts_at, id);

COMMENT ON TABLE schedule_entries IS 'Planned shifts; an employee''s never overlap.';
COMMENT ON COLUMN schedule_entries.id IS 'The shift id.';
COMMENT ON COLUMN schedule_entries.employee_id IS 'Who is planned.';
COMMENT ON COLUMN schedule_entries.week IS 'The week (its Sunday) of the shift''s date.';
COMMENT ON COLUMN schedule_entries.date IS 'The local day the shift starts on.';
COMMENT ON COLUMN schedule_entries.start_time IS 'Local start time, to the minute.';
COMMENT ON COLUMN schedule_entries.end_time IS 'Local end time, to the minute; at or before the start means the next day.';
COMMENT ON COLUMN schedule_entries.starts_at IS 'The start as an instant, in the sheet''s zone (set by a trigger).';
COMMENT ON COLUMN schedule_entries.ends_at IS 'The end as an instant, in the sheet''s zone (set by a trigger).';
COMMENT ON COLUMN schedule_entries.location IS 'Where, as text (at most 200 characters).';
COMMENT ON COLUMN schedule_entries.comment IS 'A comment, at most 500 characters.';
COMMENT ON COLUMN schedule_entries.created_by IS 'Who planned the shift.';
COMMENT ON COLUMN schedule_entries.created_at IS 'When the shift was planned.';
COMMENT ON COLUMN schedule_entries.updated_at IS 'When the shift last changed.';

CREATE TABLE timesheet_transitions (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    employee_id bigint NOT NULL,
    week date NOT NULL,
    action text NOT NULL CHECK (action IN ('SUBMIT_HOURS', 'REVIEW_HOURS', 'REJECT_HOURS',
        'SUBMIT_SCHEDULE', 'WITHDRAW_SCHEDULE', 'FINALIZE', 'REOPEN')),
    from_status text NOT NULL,
    to_status text NOT NULL,
    actor_id bigint REFERENCES users (id) ON DELETE SET NULL,
    at timestamptz NOT NULL DEFAULT now(),
    reason text,
    FOREIGN KEY (employee_id, week) REFERENCES timesheets (employee_id, week)
);
CREATE INDEX timesheet_transitions_by_sheet ON timesheet_transitions (employee_id, week, id);

COMMENT ON TABLE timesheet_transitions IS 'Every step of a timesheet''s workflow, in order.';
COMMENT ON COLUMN timesheet_transitions.id IS 'The step id (in order of the steps of one sheet).';
COMMENT ON COLUMN timesheet_transitions.employee_id IS 'Whose sheet.';
COMMENT ON COLUMN timesheet_transitions.week IS 'The sheet''s week.';
COMMENT ON COLUMN timesheet_transitions.action IS 'What was done: SUBMIT_HOURS, REVIEW_HOURS, REJECT_HOURS, SUBMIT_SCHEDULE, WITHDRAW_SCHEDULE, FINALIZE or REOPEN.';
COMMENT ON COLUMN timesheet_transitions.from_status IS 'The status before.';
COMMENT ON COLUMN timesheet_transitions.to_status IS 'The status after (the same for the schedule''s steps).';
COMMENT ON COLUMN timesheet_transitions.actor_id IS 'Who did it.';
COMMENT ON COLUMN timesheet_transitions.at IS 'When.';
COMMENT ON COLUMN timesheet_transitions.reason IS 'Why, for rejections and reopenings.';

CREATE TABLE timesheet_notes (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    employee_id bigint NOT NULL,
    week date NOT NULL,
    timesheet_entry_id bigint REFERENCES timesheet_entries (id) ON DELETE SET NULL,
    schedule_entry_id bigint REFERENCES schedule_entries (id) ON DELETE SET NULL,
    work_session_id bigint REFERENCES work_sessions (id) ON DELETE SET NULL,
    kind text NOT NULL CHECK (kind IN ('COMMENT', 'REPORT')),
    report_type text CHECK (report_type IN ('NO_SHOW', 'LATE', 'MISSED_CLOCK_OUT', 'OTHER')),
    body text NOT NULL,
    author_id bigint REFERENCES users (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    resolved_at timestamptz,
    resolved_by bigint REFERENCES users (id) ON DELETE SET NULL,
    FOREIGN KEY (employee_id, week) REFERENCES timesheets (employee_id, week),
    CONSTRAINT timesheet_notes_report_type CHECK ((kind = 'REPORT') = (report_type IS NOT NULL)),
    CONSTRAINT timesheet_notes_one_item CHECK (num_nonnulls(timesheet_entry_id, schedule_entry_id, work_session_id) <= 1),
    CONSTRAINT timesheet_notes_body_length CHECK (length(btrim(body)) BETWEEN 1 AND 2000)
);
CREATE INDEX timesheet_notes_by_sheet ON timesheet_notes (employee_id, week, id);
CREATE INDEX timesheet_notes_open_reports ON timesheet_notes (id) WHERE kind = 'REPORT' AND resolved_at IS NULL;

COMMENT ON TABLE timesheet_notes IS 'Comments and incident reports on a timesheet or one of its items.';
COMMENT ON COLUMN timesheet_notes.id IS 'The note id.';
COMMENT ON COLUMN timesheet_notes.employee_id IS 'Whose sheet.';
COMMENT ON COLUMN timesheet_notes.week IS 'The sheet''s week.';
COMMENT ON COLUMN timesheet_notes.timesheet_entry_id IS 'The entry it is about, if any.';
COMMENT ON COLUMN timesheet_notes.schedule_entry_id IS 'The shift it is about, if any.';
COMMENT ON COLUMN timesheet_notes.work_session_id IS 'The work session it is about, if any.';
COMMENT ON COLUMN timesheet_notes.kind IS 'COMMENT or REPORT.';
COMMENT ON COLUMN timesheet_notes.report_type IS 'For a report: NO_SHOW, LATE, MISSED_CLOCK_OUT or OTHER.';
COMMENT ON COLUMN timesheet_notes.body IS 'The text, 1 to 2000 characters.';
COMMENT ON COLUMN timesheet_notes.author_id IS 'Who wrote it; NULL for the system.';
COMMENT ON COLUMN timesheet_notes.created_at IS 'When it was written.';
COMMENT ON COLUMN timesheet_notes.resolved_at IS 'When it was resolved; NULL while open.';
COMMENT ON COLUMN timesheet_notes.resolved_by IS 'Who resolved it.';

-- The lock of a finalized week. No path forgets it: a clock-out, an edit, direct SQL.
CREATE FUNCTION rollcall_week_finalized(employee bigint, week_start date) RETURNS boolean
    LANGUAGE sql STABLE
    AS $$ SELECT EXISTS (SELECT 1 FROM timesheets WHERE employee_id = employee AND week = week_start AND status = 'FINALIZED') $$;
COMMENT ON FUNCTION rollcall_week_finalized(bigint, date) IS 'Whether the employee''s week (from its Sunday) is finalized.';

-- Entries and shifts: refused in a finalized week (before and after the change), and placed in
-- time in their sheet's zone.
CREATE FUNCTION rollcall_place_timesheet_item() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    zone text;
BEGIN
    IF TG_OP <> 'INSERT' AND rollcall_week_finalized(OLD.employee_id, rollcall_week_of(OLD.date)) THEN
        RAISE EXCEPTION 'the week is finalized' USING ERRCODE = 'check_violation', CONSTRAINT = 'week_finalized';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    IF rollcall_week_finalized(NEW.employee_id, rollcall_week_of(NEW.date)) THEN
        RAISE EXCEPTION 'the week is finalized' USING ERRCODE = 'check_violation', CONSTRAINT = 'week_finalized';
    END IF;
    SELECT time_zone INTO zone FROM timesheets
        WHERE employee_id = NEW.employee_id AND week = rollcall_week_of(NEW.date);
    NEW.starts_at := (NEW.date + NEW.start_time) AT TIME ZONE zone;
    NEW.ends_at := (NEW.date + CASE WHEN NEW.end_time <= NEW.start_time THEN 1 ELSE 0 END + NEW.end_time) AT TIME ZONE zone;
    RETURN NEW;
END $$;

CREATE TRIGGER timesheet_entries_place BEFORE INSERT OR UPDATE OR DELETE ON timesheet_entries
    FOR EACH ROW EXECUTE FUNCTION rollcall_place_timesheet_item();
CREATE TRIGGER schedule_entries_place BEFORE INSERT OR UPDATE OR DELETE ON schedule_entries
    FOR EACH ROW EXECUTE FUNCTION rollcall_place_timesheet_item();

-- Notes are not added to a finalized week (resolving one stays possible).
CREATE FUNCTION rollcall_refuse_finalized_item() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF rollcall_week_finalized(NEW.employee_id, NEW.week) THEN
        RAISE EXCEPTION 'the week is finalized' USING ERRCODE = 'check_violation', CONSTRAINT = 'week_finalized';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER timesheet_notes_week_lock BEFORE INSERT ON timesheet_notes
    FOR EACH ROW EXECUTE FUNCTION rollcall_refuse_finalized_item();

-- A work session belongs to the week it starts in, in the sheet's zone.
CREATE FUNCTION rollcall_refuse_finalized_session() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (TG_OP <> 'INSERT' AND EXISTS (SELECT 1 FROM timesheets WHERE employee_id = OLD.employee_id
            AND status = 'FINALIZED' AND period @> OLD.started_at))
        OR (TG_OP <> 'DELETE' AND EXISTS (SELECT 1 FROM timesheets WHERE employee_id = NEW.employee_id
            AND status = 'FINALIZED' AND period @> NEW.started_at)) THEN
        RAISE EXCEPTION 'the week is finalized' USING ERRCODE = 'check_violation', CONSTRAINT = 'week_finalized';
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END $$;

CREATE TRIGGER work_sessions_week_lock BEFORE INSERT OR UPDATE OR DELETE ON work_sessions
    FOR EACH ROW EXECUTE FUNCTION rollcall_refuse_finalized_session();

-- A timesheet as live events carry it, with its employee's company and account.
CREATE FUNCTION rollcall_timesheet_json(sheet timesheets) RETURNS jsonb
    LANGUAGE sql STABLE
    AS $$ SELECT to_jsonb(sheet) - 'period' || jsonb_build_object('company_id', e.company_id,
        'user_id', e.user_id, 'starts_at', lower(sheet.period), 'ends_at', upper(sheet.period))
        FROM employees e WHERE e.id = sheet.employee_id $$;

-- STATUS_CHANGED, for subscribers of timesheetEvents on every instance.
CREATE FUNCTION rollcall_timesheet_status_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    actor bigint := NULLIF(current_setting('rollcall.actor_id', true), '')::bigint;
    company bigint;
BEGIN
    SELECT company_id INTO company FROM employees WHERE id = NEW.employee_id;
    PERFORM rollcall_live_event('STATUS_CHANGED', company, NEW.employee_id, NULL, jsonb_build_object(
        'timesheet', rollcall_timesheet_json(NEW),
        'note', NULL,
        'actor', (SELECT to_jsonb(u) - 'password_hash' FROM users u WHERE u.id = actor)));
    RETURN NULL;
END $$;

CREATE TRIGGER timesheets_status_changed AFTER UPDATE OF status ON timesheets
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status)
    EXECUTE FUNCTION rollcall_timesheet_status_changed();

-- REPORT_OPENED and REPORT_RESOLVED.
CREATE FUNCTION rollcall_timesheet_note_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    actor bigint := NULLIF(current_setting('rollcall.actor_id', true), '')::bigint;
    company bigint;
    sheet timesheets;
BEGIN
    IF NEW.kind <> 'REPORT' OR (TG_OP = 'UPDATE' AND (OLD.resolved_at IS NOT NULL OR NEW.resolved_at IS NULL)) THEN
        RETURN NULL;
    END IF;
    SELECT company_id INTO company FROM employees WHERE id = NEW.employee_id;
    SELECT * INTO sheet FROM timesheets WHERE employee_id = NEW.employee_id AND week = NEW.week;
    PERFORM rollcall_live_event(CASE WHEN TG_OP = 'INSERT' THEN 'REPORT_OPENED' ELSE 'REPORT_RESOLVED' END,
        company, NEW.employee_id, NULL, jsonb_build_object(
        'timesheet', rollcall_timesheet_json(sheet),
        'note', to_jsonb(NEW),
        'actor', (SELECT to_jsonb(u) - 'password_hash' FROM users u WHERE u.id = actor)));
    RETURN NULL;
END $$;

CREATE TRIGGER timesheet_notes_changed AFTER INSERT OR UPDATE OF resolved_at ON timesheet_notes
    FOR EACH ROW EXECUTE FUNCTION rollcall_timesheet_note_changed();

COMMENT ON COLUMN live_events.kind IS 'CLOCK_IN, CLOCK_OUT, CREATED, UPDATED, DELETED (work sessions), STATUS_CHANGED, REPORT_OPENED, REPORT_RESOLVED (timesheets), or SCOPE (an account''s access changed).';
