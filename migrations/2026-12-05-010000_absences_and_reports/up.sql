-- Timesheets, second part: the company's time policy (working days, standard day, breaks,
-- overtime, no-show grace, longest open session), absences and company holidays (locked with
-- their finalized weeks), the reports the system writes, and the record of CSV exports.

ALTER TABLE companies
    ADD COLUMN standard_day_minutes integer NOT NULL DEFAULT 480,
    ADD COLUMN working_days smallint[] NOT NULL DEFAULT '{1,2,3,4,5}',
    ADD COLUMN break_rules jsonb NOT NULL DEFAULT '[]',
    ADD COLUMN overtime_weekly_minutes integer NOT NULL DEFAULT 2400,
    ADD COLUMN overtime_daily_minutes integer,
    ADD COLUMN no_show_grace_minutes integer NOT NULL DEFAULT 15,
    ADD COLUMN max_open_hours integer NOT NULL DEFAULT 16,
    ADD CONSTRAINT companies_standard_day CHECK (standard_day_minutes BETWEEN 0 AND 1440),
    ADD CONSTRAINT companies_working_days CHECK (working_days <@ '{0,1,2,3,4,5,6}'::smallint[]),
    ADD CONSTRAINT companies_break_rules CHECK (jsonb_typeof(break_rules) = 'array'),
    ADD CONSTRAINT companies_overtime CHECK (overtime_weekly_minutes BETWEEN 0 AND 10080
        AND (overtime_daily_minutes IS NULL OR overtime_daily_minutes BETWEEN 0 AND 1440)),
    ADD CONSTRAINT companies_no_show_grace CHECK (no_show_grace_minutes BETWEEN 0 AND 240),
    ADD CONSTRAINT companies_max_open_hours CHECK (max_open_hours BETWEEN 1 AND 72);

COMMENT ON COLUMN companies.standard_day_minutes IS 'What an absent working day without a shift counts, in minutes.';
COMMENT ON COLUMN companies.working_days IS 'The working days of the week, 0 Sunday to 6 Saturday.';
COMMENT ON COLUMN companies.break_rules IS 'Breaks a day''s worked time owes when its entries state none: [{"afterMinutes": 360, "minutes": 30}, ...].';
COMMENT ON COLUMN companies.overtime_weekly_minutes IS 'Worked minutes in a week beyond which time is overtime.';
COMMENT ON COLUMN companies.overtime_daily_minutes IS 'Worked minutes in a day beyond which time is overtime, if days count.';
COMMENT ON COLUMN companies.no_show_grace_minutes IS 'How late after a shift''s start a missing clock-in is a no-show.';
COMMENT ON COLUMN companies.max_open_hours IS 'How long a session may stay open before it is a missed clock-out.';

CREATE TABLE absences (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    employee_id bigint NOT NULL REFERENCES employees (id),
    kind text NOT NULL CHECK (kind IN ('VACATION', 'SICK', 'HOLIDAY', 'OTHER')),
    starts_on date NOT NULL,
    ends_on date NOT NULL,
    minutes_per_day integer,
    status text NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING', 'APPROVED', 'REJECTED')),
    paid boolean NOT NULL DEFAULT false,
    note text,
    requested_by bigint REFERENCES users (id) ON DELETE SET NULL,
    decided_by bigint REFERENCES users (id) ON DELETE SET NULL,
    decided_at timestamptz,
    rejection_reason text,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT absences_range CHECK (ends_on >= starts_on AND ends_on - starts_on < 366),
    CONSTRAINT absences_minutes_per_day CHECK (minutes_per_day BETWEEN 1 AND 1440),
    CONSTRAINT absences_note_length CHECK (length(note) <= 500),
    CONSTRAINT absences_no_overlap EXCLUDE USING gist
        (employee_id WITH =, daterange(starts_on, ends_on, '[]') WITH &&) WHERE (status = 'APPROVED')
);
CREATE INDEX absences_by_employee ON absences (employee_id, starts_on, id);

COMMENT ON TABLE absences IS 'Time away: requested, then approved or rejected; approved ones never overlap.';
COMMENT ON COLUMN absences.id IS 'The absence id.';
COMMENT ON COLUMN absences.employee_id IS 'Who is away.';
COMMENT ON COLUMN absences.kind IS 'VACATION, SICK, HOLIDAY or OTHER.';
COMMENT ON COLUMN absences.starts_on IS 'The first day away.';
COMMENT ON COLUMN absences.ends_on IS 'The last day away.';
COMMENT ON COLUMN absences.minutes_per_day IS 'Minutes away each day; NULL for whole days.';
COMMENT ON COLUMN absences.status IS 'PENDING, APPROVED or REJECTED.';
COMMENT ON COLUMN absences.paid IS 'Whether it counts toward the annual balance (set when approved).';
COMMENT ON COLUMN absences.note IS 'A note from the requester.';
COMMENT ON COLUMN absences.requested_by IS 'Who asked.';
COMMENT ON COLUMN absences.decided_by IS 'Who approved or rejected it.';
COMMENT ON COLUMN absences.decided_at IS 'When it was approved or rejected.';
COMMENT ON COLUMN absences.rejection_reason IS 'Why it was rejected.';
COMMENT ON COLUMN absences.created_at IS 'When it was requested.';

CREATE TABLE company_holidays (
    company_id bigint NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    date date NOT NULL,
    name text NOT NULL,
    PRIMARY KEY (company_id, date),
    CONSTRAINT company_holidays_name_length CHECK (length(btrim(name)) BETWEEN 1 AND 100)
);

COMMENT ON TABLE company_holidays IS 'Days off for everyone in a company.';
COMMENT ON COLUMN company_holidays.company_id IS 'The company.';
COMMENT ON COLUMN company_holidays.date IS 'The day.';
COMMENT ON COLUMN company_holidays.name IS 'What it is, e.g. New Year.';

CREATE TABLE timesheet_exports (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id bigint REFERENCES users (id) ON DELETE SET NULL,
    company_id bigint NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    week date NOT NULL,
    at timestamptz NOT NULL DEFAULT now()
);

COMMENT ON TABLE timesheet_exports IS 'Every CSV export of a company''s week: who, when, which.';
COMMENT ON COLUMN timesheet_exports.id IS 'The export id.';
COMMENT ON COLUMN timesheet_exports.user_id IS 'Who exported.';
COMMENT ON COLUMN timesheet_exports.company_id IS 'The company exported.';
COMMENT ON COLUMN timesheet_exports.week IS 'The week exported (its Sunday).';
COMMENT ON COLUMN timesheet_exports.at IS 'When.';

-- The reports the system writes, each once per item: a no-show or late start per shift, a
-- missed clock-out per session (a report whose item was deleted since leaves the index).
CREATE UNIQUE INDEX timesheet_notes_system_report_once ON timesheet_notes
    (employee_id, week, coalesce(schedule_entry_id, 0), coalesce(work_session_id, 0), report_type)
    WHERE author_id IS NULL AND kind = 'REPORT' AND num_nonnulls(schedule_entry_id, work_session_id) = 1;

-- Absences are locked with the finalized weeks they touch.
CREATE FUNCTION rollcall_absence_locked(employee bigint, first_day date, last_day date) RETURNS boolean
    LANGUAGE sql STABLE
    AS $$ SELECT EXISTS (SELECT 1 FROM timesheets WHERE employee_id = employee AND status = 'FINALIZED'
        AND week BETWEEN rollcall_week_of(first_day) AND last_day) $$;

CREATE FUNCTION rollcall_refuse_finalized_absence() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (TG_OP <> 'INSERT' AND rollcall_absence_locked(OLD.employee_id, OLD.starts_on, OLD.ends_on))
        OR (TG_OP <> 'DELETE' AND rollcall_absence_locked(NEW.employee_id, NEW.starts_on, NEW.ends_on)) THEN
        RAISE EXCEPTION 'the week is finalized' USING ERRCODE = 'check_violation', CONSTRAINT = 'week_finalized';
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END $$;

CREATE TRIGGER absences_week_lock BEFORE INSERT OR UPDATE OR DELETE ON absences
    FOR EACH ROW EXECUTE FUNCTION rollcall_refuse_finalized_absence();

-- A holiday changes the weeks of everyone in the company.
CREATE FUNCTION rollcall_refuse_finalized_holiday() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- A renamed holiday stays on its day.
    IF TG_OP = 'UPDATE' AND OLD.company_id = NEW.company_id AND OLD.date = NEW.date THEN
        RETURN NEW;
    END IF;
    IF (TG_OP <> 'INSERT' AND EXISTS (SELECT 1 FROM timesheets t JOIN employees e ON e.id = t.employee_id
            WHERE e.company_id = OLD.company_id AND t.status = 'FINALIZED'
            AND t.week = rollcall_week_of(OLD.date)))
        OR (TG_OP <> 'DELETE' AND EXISTS (SELECT 1 FROM timesheets t JOIN employees e ON e.id = t.employee_id
            WHERE e.company_id = NEW.company_id AND t.status = 'FINALIZED'
            AND t.week = rollcall_week_of(NEW.date))) THEN
        RAISE EXCEPTION 'the week is finalized' USING ERRCODE = 'check_violation', CONSTRAINT = 'week_finalized';
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END $$;

CREATE TRIGGER company_holidays_week_lock BEFORE INSERT OR UPDATE OR DELETE ON company_holidays
    FOR EACH ROW EXECUTE FUNCTION rollcall_refuse_finalized_holiday();

-- Time credited to an employee besides the sessions worked, between two days: paid approved
-- absences and company holidays, each day its absence's minutes, else its shifts, else a
-- standard day on a working day. What annual balances count (workforce's annualBalance).
CREATE FUNCTION rollcall_credited_minutes(employee bigint, first_day date, last_day date) RETURNS bigint
    LANGUAGE sql STABLE
    AS $$
    WITH days AS (
        SELECT DISTINCT ON (day) day, minutes FROM (
            SELECT h.date AS day, NULL::integer AS minutes
            FROM company_holidays h JOIN employees e ON e.company_id = h.company_id
            WHERE e.id = employee AND h.date BETWEEN first_day AND last_day
            UNION ALL
            SELECT d::date, a.minutes_per_day
            FROM absences a CROSS JOIN generate_series(greatest(a.starts_on, first_day),
                least(a.ends_on, last_day), interval '1 day') AS d
            WHERE a.employee_id = employee AND a.status = 'APPROVED' AND a.paid
        ) credited ORDER BY day, minutes NULLS FIRST
    )
    SELECT coalesce(sum(CASE
        WHEN days.minutes IS NOT NULL THEN days.minutes
        WHEN shifts.minutes > 0 THEN shifts.minutes
        WHEN extract(dow FROM days.day)::smallint = ANY(c.working_days) THEN c.standard_day_minutes
        ELSE 0 END), 0)::bigint
    FROM days
    JOIN employees e ON e.id = employee JOIN companies c ON c.id = e.company_id
    CROSS JOIN LATERAL (SELECT floor(sum(extract(epoch FROM x.ends_at - x.starts_at)) / 60) AS minutes
        FROM schedule_entries x WHERE x.employee_id = employee AND x.date = days.day) shifts
    $$;
COMMENT ON FUNCTION rollcall_credited_minutes(bigint, date, date) IS 'Minutes credited to an employee besides sessions: paid absences and company holidays.';
