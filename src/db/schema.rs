// @generated automatically by Diesel CLI.

diesel::table! {
    /// Time away: requested, then approved or rejected; approved ones never overlap.
    absences (id) {
        /// The absence id.
        id -> Int8,
        /// Who is away.
        employee_id -> Int8,
        /// VACATION, SICK, HOLIDAY or OTHER.
        kind -> Text,
        /// The first day away.
        starts_on -> Date,
        /// The last day away.
        ends_on -> Date,
        /// Minutes away each day; NULL for whole days.
        minutes_per_day -> Nullable<Int4>,
        /// PENDING, APPROVED or REJECTED.
        status -> Text,
        /// Whether it counts toward the annual balance (set when approved).
        paid -> Bool,
        /// A note from the requester.
        note -> Nullable<Text>,
        /// Who asked.
        requested_by -> Nullable<Int8>,
        /// Who approved or rejected it.
        decided_by -> Nullable<Int8>,
        /// When it was approved or rejected.
        decided_at -> Nullable<Timestamptz>,
        /// Why it was rejected.
        rejection_reason -> Nullable<Text>,
        /// When it was requested.
        created_at -> Timestamptz,
    }
}

diesel::table! {
    /// Who came to a lesson: one mark per lesson and client.
    attendance (lesson_id, client_id) {
        /// The lesson.
        lesson_id -> Int8,
        /// The client.
        client_id -> Int8,
        /// PRESENT, ABSENT, EXCUSED or LATE.
        status -> Text,
        /// The subscription a PRESENT or LATE mark consumed a lesson of; NULL when none was valid (flagged).
        subscription_id -> Nullable<Int8>,
        /// Who marked it.
        marked_by -> Nullable<Int8>,
        /// When it was last marked.
        marked_at -> Timestamptz,
    }
}

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
    /// A company's course books and materials, lent to its clients and members.
    books (id) {
        /// The book id.
        id -> Int8,
        /// The company.
        company_id -> Int8,
        /// The group it belongs to (of the same company), if any.
        group_id -> Nullable<Int8>,
        /// Its title.
        title -> Text,
        /// Its author; empty when none is known.
        author -> Text,
        /// Its ISBN-13 (an ISBN-10 is stored converted), unique within the company.
        isbn -> Nullable<Text>,
        /// How many copies the company has.
        copies -> Int4,
        /// False once archived: no longer lent.
        active -> Bool,
        /// When the book was added.
        created_at -> Timestamptz,
        /// When the book last changed.
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    /// What a client bought: so many lessons (or unlimited) of a group, or of any group of the company, between two days.
    client_subscriptions (id) {
        /// The subscription id.
        id -> Int8,
        /// The company (the client's).
        company_id -> Int8,
        /// The client.
        client_id -> Int8,
        /// The group it is for; NULL for any group of the company.
        group_id -> Nullable<Int8>,
        /// The price it was sold from.
        price_id -> Int8,
        /// What it was sold for, in minor units (copied from the price).
        amount_minor -> Int8,
        /// ISO 4217 currency of the amount.
        currency -> Text,
        /// First day it may be used.
        valid_from -> Date,
        /// Last day it may be used; EXPIRED after it.
        valid_to -> Date,
        /// Lessons included; NULL for unlimited.
        lessons_included -> Nullable<Int4>,
        /// Lessons attended on it so far.
        lessons_used -> Int4,
        /// ACTIVE, PAUSED or CANCELLED (for good).
        status -> Text,
        /// When it was sold.
        created_at -> Timestamptz,
        /// When it last changed.
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    /// A company's customers, who buy subscriptions and attend lessons.
    clients (id) {
        /// The client id.
        id -> Int8,
        /// The company.
        company_id -> Int8,
        /// The account the client signs in with, if any (at most one client per account and company).
        user_id -> Nullable<Int8>,
        /// Full name; empty once anonymized.
        name -> Text,
        /// Where mail reaches the client.
        email -> Nullable<Text>,
        /// Phone number, as given.
        phone -> Nullable<Text>,
        /// Date of birth.
        birth_date -> Nullable<Date>,
        /// The studio's notes.
        notes -> Nullable<Text>,
        /// False once the client left.
        active -> Bool,
        /// When name, contacts, birth date and notes were erased (for good).
        anonymized_at -> Nullable<Timestamptz>,
        /// When the client was created.
        created_at -> Timestamptz,
        /// When the client last changed.
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    /// Clock-in and clock-out retries: a key answers the session its first use made, for 24 hours.
    clock_idempotency_keys (employee_id, key) {
        /// Whose clock it was.
        employee_id -> Int8,
        /// The client's idempotency key, unique per employee.
        key -> Text,
        /// The operation and its arguments: the same key with others is refused.
        request -> Text,
        /// The session the first use answered.
        session_id -> Int8,
        /// When the key was first used.
        created_at -> Timestamptz,
    }
}

diesel::table! {
    /// Organisations (an office, a studio, a school): their people work in their time zone.
    companies (id) {
        /// The company id.
        id -> Int8,
        /// Display name, unique ignoring case.
        name -> Text,
        /// IANA time zone of its calendar days, e.g. Europe/Madrid.
        time_zone -> Text,
        /// When the company was created.
        created_at -> Timestamptz,
        /// When the company last changed.
        updated_at -> Timestamptz,
        /// What an absent working day without a shift counts, in minutes.
        standard_day_minutes -> Int4,
        /// The working days of the week, 0 Sunday to 6 Saturday.
        working_days -> Array<Nullable<Int2>>,
        /// Breaks a day's worked time owes when its entries state none: [{"afterMinutes": 360, "minutes": 30}, ...].
        break_rules -> Jsonb,
        /// Worked minutes in a week beyond which time is overtime.
        overtime_weekly_minutes -> Int4,
        /// Worked minutes in a day beyond which time is overtime, if days count.
        overtime_daily_minutes -> Nullable<Int4>,
        /// How late after a shift's start a missing clock-in is a no-show.
        no_show_grace_minutes -> Int4,
        /// How long a session may stay open before it is a missed clock-out.
        max_open_hours -> Int4,
    }
}

diesel::table! {
    /// Days off for everyone in a company.
    company_holidays (company_id, date) {
        /// The company.
        company_id -> Int8,
        /// The day.
        date -> Date,
        /// What it is, e.g. New Year.
        name -> Text,
    }
}

diesel::table! {
    /// Which accounts belong to which companies: managers act in the companies they are members of.
    company_members (company_id, user_id) {
        /// The company.
        company_id -> Int8,
        /// The member account.
        user_id -> Int8,
        /// When the account joined the company.
        created_at -> Timestamptz,
    }
}

diesel::table! {
    /// Contracts signed with clients; numbers are unique per company.
    contracts (id) {
        /// The contract id.
        id -> Int8,
        /// The company (the client's).
        company_id -> Int8,
        /// The client.
        client_id -> Int8,
        /// The contract number, unique within the company.
        number -> Text,
        /// When it was signed, if it was.
        signed_on -> Nullable<Date>,
        /// First day it applies.
        valid_from -> Date,
        /// Last day it applies; NULL while open-ended.
        valid_to -> Nullable<Date>,
        /// Its terms, as text.
        terms -> Nullable<Text>,
        /// DRAFT, ACTIVE, ENDED or CANCELLED.
        status -> Text,
        /// When the contract was created.
        created_at -> Timestamptz,
        /// When the contract last changed.
        updated_at -> Timestamptz,
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
    /// People whose time is kept, each in one company for life; optionally linked to a member account.
    employees (id) {
        /// The employee id.
        id -> Int8,
        /// The company the employee works for; never changes.
        company_id -> Int8,
        /// Full name; NULL once erased.
        name -> Nullable<Text>,
        /// Contact address, if any; NULL once erased.
        email -> Nullable<Text>,
        /// Hours to work in a year, 0 to 8784.
        annual_hours -> Int4,
        /// The member account that is this employee, if any (one employee per account and company).
        user_id -> Nullable<Int8>,
        /// False once archived: no more clock-ins.
        active -> Bool,
        /// HMAC of the enrolled fingerprint signature under the data key; unique per company.
        fingerprint_mac -> Nullable<Bytea>,
        /// HMAC of the kiosk PIN (with the employee id) under the data key.
        pin_mac -> Nullable<Bytea>,
        /// When the person asked to be forgotten: name, email, fingerprint and PIN are gone; sessions stay.
        erased_at -> Nullable<Timestamptz>,
        /// When the employee was created.
        created_at -> Timestamptz,
        /// When the employee last changed.
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    /// An account's favourite groups (at most 100), in its order.
    favorite_groups (user_id, group_id) {
        /// The account.
        user_id -> Int8,
        /// The group.
        group_id -> Int8,
        /// Its place in the account's list.
        position -> Int4,
    }
}

diesel::table! {
    /// An account's favourite lessons (at most 100), in its order.
    favorite_lessons (user_id, lesson_id) {
        /// The account.
        user_id -> Int8,
        /// The lesson.
        lesson_id -> Int8,
        /// Its place in the account's list.
        position -> Int4,
    }
}

diesel::table! {
    /// Classes of a location, taught by a coach.
    groups (id) {
        /// The group id.
        id -> Int8,
        /// Where it meets.
        location_id -> Int8,
        /// Its coach: an employee of the location's company.
        coach_id -> Nullable<Int8>,
        /// Display name.
        name -> Text,
        /// How many clients a lesson takes.
        capacity -> Int4,
        /// Its level, as text (e.g. Beginners).
        level -> Nullable<Text>,
        /// When it meets, as text (e.g. Mondays 18:00).
        schedule -> Nullable<Text>,
        /// False once closed: only its company's managers still see it.
        active -> Bool,
        /// When the group was created.
        created_at -> Timestamptz,
        /// When the group last changed.
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    /// What kiosks did: clocks (kind set) and wrong PINs (kind NULL), for repeats and the PIN limit.
    kiosk_clocks (id) {
        /// The record id.
        id -> Int8,
        /// The kiosk.
        kiosk_id -> Int8,
        /// The employee matched.
        employee_id -> Int8,
        /// CLOCK_IN or CLOCK_OUT; NULL for a wrong PIN.
        kind -> Nullable<Text>,
        /// The session clocked.
        session_id -> Nullable<Int8>,
        /// When.
        at -> Timestamptz,
    }
}

diesel::table! {
    /// Shared clock-in terminals of a company, each signed in with a token of its own.
    kiosks (id) {
        /// The kiosk id.
        id -> Int8,
        /// The company whose employees clock in there.
        company_id -> Int8,
        /// Where it stands, e.g. Front door.
        name -> Text,
        /// SHA-256 of the kiosk token (shown once when registered).
        token_hash -> Bytea,
        /// The account that registered it.
        created_by -> Nullable<Int8>,
        /// When it was registered.
        created_at -> Timestamptz,
        /// When it last clocked someone in or out.
        last_used_at -> Nullable<Timestamptz>,
        /// When its token stopped working.
        revoked_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    /// A group's meetings; a coach is never in two at once.
    lessons (id) {
        /// The lesson id.
        id -> Int8,
        /// The group.
        group_id -> Int8,
        /// Who teaches it (the group's coach unless said otherwise).
        coach_id -> Nullable<Int8>,
        /// When it starts (made from a local time in the location's zone).
        starts_at -> Timestamptz,
        /// When it ends.
        ends_at -> Timestamptz,
        /// What it is about.
        topic -> Nullable<Text>,
        /// When it was cancelled (for good); NULL while it takes place.
        cancelled_at -> Nullable<Timestamptz>,
        /// Why it was cancelled.
        cancel_reason -> Nullable<Text>,
        /// When the lesson was planned.
        created_at -> Timestamptz,
        /// When the lesson last changed.
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    /// Events for live subscriptions, as announced on channel rollcall_live; read back after a lost listener; pruned after 7 days.
    live_events (id) {
        /// The event id (not in commit order).
        id -> Int8,
        /// CLOCK_IN, CLOCK_OUT, CREATED, UPDATED, DELETED (work sessions), STATUS_CHANGED, REPORT_OPENED, REPORT_RESOLVED (timesheets), or SCOPE (an account's access changed).
        kind -> Text,
        /// The company concerned.
        company_id -> Nullable<Int8>,
        /// The employee concerned.
        employee_id -> Nullable<Int8>,
        /// For SCOPE: the account whose access changed.
        user_id -> Nullable<Int8>,
        /// The snapshot subscribers answer from, as notified.
        payload -> Jsonb,
        /// When the event was written (wall clock).
        created_at -> Timestamptz,
    }
}

diesel::table! {
    /// Reminders of overdue loans: the first overdue day and every 7 days after, at most 3, each once.
    loan_reminders (loan_id, number) {
        /// The loan.
        loan_id -> Int8,
        /// Which reminder of the loan, 1 to 3.
        number -> Int4,
        /// The due day it reminded of (an extended loan has a new one).
        due -> Date,
        /// The overdue week it was for: 1 from the first overdue day, 2 from the eighth, and so on.
        period -> Int4,
        /// The address it was queued to.
        recipient -> Text,
        /// When it was queued in the outbox.
        sent_at -> Timestamptz,
    }
}

diesel::table! {
    /// Books lent to a client or a member of the book's company; open until returned.
    loans (id) {
        /// The loan id.
        id -> Int8,
        /// The company (the book's).
        company_id -> Int8,
        /// The book lent.
        book_id -> Int8,
        /// The borrower, when a client (else user_id).
        client_id -> Nullable<Int8>,
        /// The borrower, when an account that is a member of the company (else client_id).
        user_id -> Nullable<Int8>,
        /// The day it was lent, in the company's time zone.
        lent_on -> Date,
        /// The last day to return it; overdue from the next day.
        due -> Date,
        /// The day it came back; NULL while open.
        returned_on -> Nullable<Date>,
        /// Who lent it.
        lent_by -> Nullable<Int8>,
        /// Who took it back.
        returned_to -> Nullable<Int8>,
        /// A note on the loan.
        note -> Nullable<Text>,
        /// When the loan was recorded.
        created_at -> Timestamptz,
        /// When the loan last changed.
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    /// Where a company's groups meet, each in its time zone.
    locations (id) {
        /// The location id.
        id -> Int8,
        /// The company.
        company_id -> Int8,
        /// Display name.
        name -> Text,
        /// Postal address, if any.
        address -> Nullable<Text>,
        /// IANA time zone of its lessons' local times.
        time_zone -> Text,
        /// False once closed: only its company's managers still see it.
        active -> Bool,
        /// When the location was created.
        created_at -> Timestamptz,
        /// When the location last changed.
        updated_at -> Timestamptz,
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
    /// What a company sells: subscriptions of so many lessons (or unlimited) for so many days.
    prices (id) {
        /// The price id.
        id -> Int8,
        /// The company.
        company_id -> Int8,
        /// Display name, e.g. 10 lessons.
        name -> Text,
        /// The amount in the currency's minor units (cents).
        amount_minor -> Int8,
        /// ISO 4217 currency code.
        currency -> Text,
        /// Lessons a subscription sold at this price includes; NULL for unlimited.
        lessons_included -> Nullable<Int4>,
        /// How many days such a subscription is valid.
        validity_days -> Int4,
        /// False once no longer sold.
        active -> Bool,
        /// When the price was created.
        created_at -> Timestamptz,
        /// When the price last changed.
        updated_at -> Timestamptz,
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
    /// Planned shifts; an employee's never overlap.
    schedule_entries (id) {
        /// The shift id.
        id -> Int8,
        /// Who is planned.
        employee_id -> Int8,
        /// The week (its Sunday) of the shift's date.
        week -> Date,
        /// The local day the shift starts on.
        date -> Date,
        /// Local start time, to the minute.
        start_time -> Time,
        /// Local end time, to the minute; at or before the start means the next day.
        end_time -> Time,
        /// The start as an instant, in the sheet's zone (set by a trigger).
        starts_at -> Timestamptz,
        /// The end as an instant, in the sheet's zone (set by a trigger).
        ends_at -> Timestamptz,
        /// Where, as text (at most 200 characters).
        location -> Nullable<Text>,
        /// A comment, at most 500 characters.
        comment -> Nullable<Text>,
        /// Who planned the shift.
        created_by -> Nullable<Int8>,
        /// When the shift was planned.
        created_at -> Timestamptz,
        /// When the shift last changed.
        updated_at -> Timestamptz,
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
    /// Hours as reported: what the employee (or a manager) says was worked, typed in or copied from a clocked session.
    timesheet_entries (id) {
        /// The entry id.
        id -> Int8,
        /// Whose hours.
        employee_id -> Int8,
        /// The week (its Sunday) of the entry's date.
        week -> Date,
        /// The local day the work started on.
        date -> Date,
        /// Local start time, to the minute.
        start_time -> Time,
        /// Local end time, to the minute; at or before the start means the next day.
        end_time -> Time,
        /// The start as an instant, in the sheet's zone (set by a trigger).
        starts_at -> Timestamptz,
        /// The end as an instant, in the sheet's zone (set by a trigger).
        ends_at -> Timestamptz,
        /// Break taken within the entry, in minutes.
        break_minutes -> Int4,
        /// CLOCK (copied from a session) or MANUAL.
        source -> Text,
        /// The session a CLOCK entry was copied from (NULL once deleted).
        work_session_id -> Nullable<Int8>,
        /// The session's start when copied: a later change shows as differing from the clock.
        clock_started_at -> Nullable<Timestamptz>,
        /// The session's end when copied.
        clock_ended_at -> Nullable<Timestamptz>,
        /// A comment, at most 500 characters.
        comment -> Nullable<Text>,
        /// Who wrote the entry.
        created_by -> Nullable<Int8>,
        /// When the entry was written or last changed.
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    /// Every CSV export of a company's week: who, when, which.
    timesheet_exports (id) {
        /// The export id.
        id -> Int8,
        /// Who exported.
        user_id -> Nullable<Int8>,
        /// The company exported.
        company_id -> Int8,
        /// The week exported (its Sunday).
        week -> Date,
        /// When.
        at -> Timestamptz,
    }
}

diesel::table! {
    /// Comments and incident reports on a timesheet or one of its items.
    timesheet_notes (id) {
        /// The note id.
        id -> Int8,
        /// Whose sheet.
        employee_id -> Int8,
        /// The sheet's week.
        week -> Date,
        /// The entry it is about, if any.
        timesheet_entry_id -> Nullable<Int8>,
        /// The shift it is about, if any.
        schedule_entry_id -> Nullable<Int8>,
        /// The work session it is about, if any.
        work_session_id -> Nullable<Int8>,
        /// COMMENT or REPORT.
        kind -> Text,
        /// For a report: NO_SHOW, LATE, MISSED_CLOCK_OUT or OTHER.
        report_type -> Nullable<Text>,
        /// The text, 1 to 2000 characters.
        body -> Text,
        /// Who wrote it; NULL for the system.
        author_id -> Nullable<Int8>,
        /// When it was written.
        created_at -> Timestamptz,
        /// When it was resolved; NULL while open.
        resolved_at -> Nullable<Timestamptz>,
        /// Who resolved it.
        resolved_by -> Nullable<Int8>,
    }
}

diesel::table! {
    /// Every step of a timesheet's workflow, in order.
    timesheet_transitions (id) {
        /// The step id (in order of the steps of one sheet).
        id -> Int8,
        /// Whose sheet.
        employee_id -> Int8,
        /// The sheet's week.
        week -> Date,
        /// What was done: SUBMIT_HOURS, REVIEW_HOURS, REJECT_HOURS, SUBMIT_SCHEDULE, WITHDRAW_SCHEDULE, FINALIZE or REOPEN.
        action -> Text,
        /// The status before.
        from_status -> Text,
        /// The status after (the same for the schedule's steps).
        to_status -> Text,
        /// Who did it.
        actor_id -> Nullable<Int8>,
        /// When.
        at -> Timestamptz,
        /// Why, for rejections and reopenings.
        reason -> Nullable<Text>,
    }
}

diesel::table! {
    /// One employee's week, Sunday to Saturday, once anything was written for it (a week without a row reads as DRAFT).
    timesheets (employee_id, week) {
        /// Whose week it is.
        employee_id -> Int8,
        /// The Sunday the week starts on.
        week -> Date,
        /// The company's time zone when the row was made: the week stays in it when the company moves.
        time_zone -> Text,
        /// The instants the week covers in its zone.
        period -> Tstzrange,
        /// DRAFT, HOURS_SUBMITTED, HOURS_REVIEWED or FINALIZED.
        status -> Text,
        /// When the hours were submitted.
        hours_submitted_at -> Nullable<Timestamptz>,
        /// Who submitted the hours.
        hours_submitted_by -> Nullable<Int8>,
        /// When a manager reviewed the hours.
        hours_reviewed_at -> Nullable<Timestamptz>,
        /// Who reviewed the hours.
        hours_reviewed_by -> Nullable<Int8>,
        /// When the schedule was submitted (it is then locked); NULL while it may change.
        schedule_submitted_at -> Nullable<Timestamptz>,
        /// Who submitted the schedule.
        schedule_submitted_by -> Nullable<Int8>,
        /// When the week was finalized.
        finalized_at -> Nullable<Timestamptz>,
        /// Who finalized the week.
        finalized_by -> Nullable<Int8>,
        /// When the row was first written.
        created_at -> Timestamptz,
        /// When the row last changed.
        updated_at -> Timestamptz,
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

diesel::table! {
    /// Edit history of work sessions, written by a trigger: every update and deletion, and manual creations (clock-outs are not edits).
    work_session_changes (id) {
        /// The change id.
        id -> Int8,
        /// The session changed (it may be deleted since).
        session_id -> Int8,
        /// Whose session it is.
        employee_id -> Int8,
        /// CREATED, UPDATED or DELETED.
        kind -> Text,
        /// Who made the change (transaction setting rollcall.actor_id).
        actor_id -> Nullable<Int8>,
        /// When.
        at -> Timestamptz,
        /// The session before the change (NULL for a creation).
        before -> Nullable<Jsonb>,
        /// The session after the change (NULL for a deletion).
        after -> Nullable<Jsonb>,
        /// Why (transaction setting rollcall.reason).
        reason -> Nullable<Text>,
    }
}

diesel::table! {
    /// Time worked: from a clock-in to its clock-out (open while ended_at is NULL).
    work_sessions (id) {
        /// The session id.
        id -> Int8,
        /// Who worked.
        employee_id -> Int8,
        /// When the work started (the database clock for clock-ins).
        started_at -> Timestamptz,
        /// When it ended; NULL while open.
        ended_at -> Nullable<Timestamptz>,
        /// CLOCK (the person clocked in), KIOSK (at a kiosk) or MANUAL (entered or backdated by a manager).
        source -> Text,
        /// The account that made the session, if any.
        created_by -> Nullable<Int8>,
        /// A note, at most 500 characters.
        note -> Nullable<Text>,
        /// When the row was written.
        created_at -> Timestamptz,
        /// When the row last changed.
        updated_at -> Timestamptz,
    }
}

diesel::joinable!(absences -> employees (employee_id));
diesel::joinable!(attendance -> client_subscriptions (subscription_id));
diesel::joinable!(attendance -> clients (client_id));
diesel::joinable!(attendance -> lessons (lesson_id));
diesel::joinable!(attendance -> users (marked_by));
diesel::joinable!(auth_events -> sessions (session_id));
diesel::joinable!(books -> companies (company_id));
diesel::joinable!(books -> groups (group_id));
diesel::joinable!(client_subscriptions -> groups (group_id));
diesel::joinable!(client_subscriptions -> prices (price_id));
diesel::joinable!(clients -> companies (company_id));
diesel::joinable!(clients -> users (user_id));
diesel::joinable!(clock_idempotency_keys -> employees (employee_id));
diesel::joinable!(company_holidays -> companies (company_id));
diesel::joinable!(company_members -> companies (company_id));
diesel::joinable!(company_members -> users (user_id));
diesel::joinable!(email_tokens -> users (user_id));
diesel::joinable!(employees -> companies (company_id));
diesel::joinable!(favorite_groups -> groups (group_id));
diesel::joinable!(favorite_groups -> users (user_id));
diesel::joinable!(favorite_lessons -> lessons (lesson_id));
diesel::joinable!(favorite_lessons -> users (user_id));
diesel::joinable!(groups -> employees (coach_id));
diesel::joinable!(groups -> locations (location_id));
diesel::joinable!(kiosk_clocks -> employees (employee_id));
diesel::joinable!(kiosk_clocks -> kiosks (kiosk_id));
diesel::joinable!(kiosks -> companies (company_id));
diesel::joinable!(kiosks -> users (created_by));
diesel::joinable!(lessons -> employees (coach_id));
diesel::joinable!(lessons -> groups (group_id));
diesel::joinable!(loan_reminders -> loans (loan_id));
diesel::joinable!(locations -> companies (company_id));
diesel::joinable!(login_failures -> users (user_id));
diesel::joinable!(prices -> companies (company_id));
diesel::joinable!(refresh_tokens -> sessions (session_id));
diesel::joinable!(schedule_entries -> users (created_by));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(timesheet_entries -> users (created_by));
diesel::joinable!(timesheet_entries -> work_sessions (work_session_id));
diesel::joinable!(timesheet_exports -> companies (company_id));
diesel::joinable!(timesheet_exports -> users (user_id));
diesel::joinable!(timesheet_notes -> schedule_entries (schedule_entry_id));
diesel::joinable!(timesheet_notes -> timesheet_entries (timesheet_entry_id));
diesel::joinable!(timesheet_notes -> work_sessions (work_session_id));
diesel::joinable!(timesheet_transitions -> users (actor_id));
diesel::joinable!(timesheets -> employees (employee_id));
diesel::joinable!(users -> avatars (avatar_hash));
diesel::joinable!(work_session_changes -> employees (employee_id));
diesel::joinable!(work_session_changes -> users (actor_id));
diesel::joinable!(work_sessions -> employees (employee_id));
diesel::joinable!(work_sessions -> users (created_by));

diesel::allow_tables_to_appear_in_same_query!(
    absences,
    attendance,
    auth_events,
    avatars,
    books,
    client_subscriptions,
    clients,
    clock_idempotency_keys,
    companies,
    company_holidays,
    company_members,
    contracts,
    email_tokens,
    employees,
    favorite_groups,
    favorite_lessons,
    groups,
    kiosk_clocks,
    kiosks,
    lessons,
    live_events,
    loan_reminders,
    loans,
    locations,
    login_failures,
    outbox_mails,
    prices,
    refresh_tokens,
    role_changes,
    schedule_entries,
    server_secrets,
    sessions,
    timesheet_entries,
    timesheet_exports,
    timesheet_notes,
    timesheet_transitions,
    timesheets,
    users,
    work_session_changes,
    work_sessions,
);
