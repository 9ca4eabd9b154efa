DROP FUNCTION rollcall_credited_minutes(bigint, date, date);
DROP TABLE company_holidays;
DROP TABLE absences;
DROP TABLE timesheet_exports;
DROP FUNCTION rollcall_refuse_finalized_holiday();
DROP FUNCTION rollcall_refuse_finalized_absence();
DROP FUNCTION rollcall_absence_locked(bigint, date, date);
DROP INDEX timesheet_notes_system_report_once;
ALTER TABLE companies
    DROP COLUMN standard_day_minutes,
    DROP COLUMN working_days,
    DROP COLUMN break_rules,
    DROP COLUMN overtime_weekly_minutes,
    DROP COLUMN overtime_daily_minutes,
    DROP COLUMN no_show_grace_minutes,
    DROP COLUMN max_open_hours;
