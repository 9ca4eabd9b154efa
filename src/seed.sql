-- The demo studio of `rollcall seed-demo`, after its accounts: a company in Berlin with two
-- locations, four groups and a term of weekly lessons from eight weeks ago to four weeks ahead,
-- prices, clients with subscriptions, attendance at the lessons held, staff with clocked work
-- sessions and timesheets, and a shelf of books with loans. Every date is relative to today, so the studio is current
-- whenever it is seeded.

CREATE TEMPORARY TABLE demo_term ON COMMIT DROP AS
    SELECT date_trunc('week', current_date)::date - 56 AS first_day, current_date + 28 AS last_day;

INSERT INTO companies (name, time_zone, working_days, standard_day_minutes)
    VALUES ('Studio Linden', 'Europe/Berlin', '{1,2,3,4,5}', 480);

INSERT INTO company_members (company_id, user_id)
    SELECT c.id, u.id FROM companies c JOIN users u
        ON u.username IN ('hannah', 'max', 'cora', 'paul', 'lena')
    WHERE c.name = 'Studio Linden';

INSERT INTO employees (company_id, name, email, annual_hours, user_id)
    SELECT c.id, u.name, u.email, v.hours, u.id
    FROM companies c
    CROSS JOIN (VALUES ('hannah', 1720), ('max', 1720), ('cora', 1200), ('paul', 900), ('lena', 900))
        AS v (username, hours)
    JOIN users u ON u.username = v.username
    WHERE c.name = 'Studio Linden';

INSERT INTO locations (company_id, name, address, time_zone)
    SELECT c.id, v.name, v.address, 'Europe/Berlin'
    FROM companies c
    CROSS JOIN (VALUES ('Mitte', 'Linienstraße 40, 10119 Berlin'),
                       ('Kreuzberg', 'Oranienstraße 25, 10999 Berlin')) AS v (name, address)
    WHERE c.name = 'Studio Linden';

INSERT INTO groups (location_id, coach_id, name, capacity, level, schedule)
    SELECT l.id, e.id, v.name, v.capacity, v.level, v.schedule
    FROM (VALUES ('Mitte', 'cora', 'Yoga Basics', 12, 'Beginners', 'Mondays and Wednesdays 18:00'),
                 ('Mitte', 'paul', 'Pilates', 10, 'All levels', 'Tuesdays 09:30'),
                 ('Kreuzberg', 'lena', 'Vinyasa Flow', 14, 'Intermediate', 'Thursdays 19:00'),
                 ('Kreuzberg', 'cora', 'Kids Dance', 8, 'Children 6 to 10', 'Saturdays 10:00'))
        AS v (location, coach, name, capacity, level, schedule)
    JOIN locations l ON l.name = v.location
    JOIN users u ON u.username = v.coach
    JOIN employees e ON e.user_id = u.id;

-- Weekly lessons at local times, so they keep 18:00 across a clock change.
INSERT INTO lessons (group_id, coach_id, starts_at, ends_at, topic)
    SELECT g.id, g.coach_id, (d::date + s.start_time) AT TIME ZONE 'Europe/Berlin',
        (d::date + s.end_time) AT TIME ZONE 'Europe/Berlin',
        CASE WHEN extract(day FROM d) < 8 THEN 'First week of the month: basics again' END
    FROM (VALUES ('Yoga Basics', 1, time '18:00', time '19:15'),
                 ('Yoga Basics', 3, time '18:00', time '19:15'),
                 ('Pilates', 2, time '09:30', time '10:30'),
                 ('Vinyasa Flow', 4, time '19:00', time '20:30'),
                 ('Kids Dance', 6, time '10:00', time '11:00')) AS s (grp, dow, start_time, end_time)
    JOIN groups g ON g.name = s.grp
    CROSS JOIN demo_term t
    CROSS JOIN generate_series(t.first_day, t.last_day, interval '1 day') AS d
    WHERE extract(dow FROM d) = s.dow;

UPDATE lessons SET cancelled_at = starts_at - interval '1 day', cancel_reason = 'The coach is ill'
    WHERE id = (SELECT l.id FROM lessons l JOIN groups g ON g.id = l.group_id
                WHERE g.name = 'Pilates' AND l.starts_at < now() - interval '14 days'
                ORDER BY l.starts_at DESC LIMIT 1);

INSERT INTO prices (company_id, name, amount_minor, currency, lessons_included, validity_days)
    SELECT c.id, v.name, v.amount, 'EUR', v.lessons, v.days
    FROM companies c
    CROSS JOIN (VALUES ('Drop-in', 1500, 1, 7), ('10 lessons', 12000, 10, 90),
                       ('Monthly unlimited', 8900, NULL::integer, 30)) AS v (name, amount, lessons, days)
    WHERE c.name = 'Studio Linden';

-- 24 clients, each in one group (by number); Ann and Ben sign in with their accounts.
INSERT INTO clients (company_id, name, email, phone, birth_date, user_id, created_at)
    SELECT c.id, v.name, lower(replace(v.name, ' ', '.')) || '@example.com',
        '+49 30 5550 ' || lpad(v.n::text, 3, '0'), date '1975-01-01' + v.n * 523,
        u.id, now() - (60 - v.n) * interval '1 day'
    FROM companies c
    CROSS JOIN (VALUES (1, 'Ann Becker', 'ann'), (2, 'Ben Schulz', 'ben'), (3, 'Clara Wagner', NULL),
                       (4, 'David Koch', NULL), (5, 'Elif Yilmaz', NULL), (6, 'Felix Richter', NULL),
                       (7, 'Greta Klein', NULL), (8, 'Hugo Neumann', NULL), (9, 'Ida Schwarz', NULL),
                       (10, 'Jonas Zimmermann', NULL), (11, 'Kira Braun', NULL), (12, 'Luis Krüger', NULL),
                       (13, 'Mara Hofmann', NULL), (14, 'Nils Hartmann', NULL), (15, 'Olga Lange', NULL),
                       (16, 'Piet Schmitt', NULL), (17, 'Rosa Werner', NULL), (18, 'Sami Krause', NULL),
                       (19, 'Tara Meier', NULL), (20, 'Udo Lehmann', NULL), (21, 'Vera König', NULL),
                       (22, 'Willi Huber', NULL), (23, 'Yara Kaiser', NULL), (24, 'Zoe Fuchs', NULL))
        AS v (n, name, username)
    LEFT JOIN users u ON u.username = v.username
    WHERE c.name = 'Studio Linden';

CREATE TEMPORARY TABLE demo_members ON COMMIT DROP AS
    SELECT cl.id AS client_id, cl.company_id, g.id AS group_id, row_number() OVER (ORDER BY cl.id) AS n
    FROM clients cl
    JOIN groups g ON g.name = (ARRAY['Yoga Basics', 'Pilates', 'Vinyasa Flow', 'Kids Dance'])
        [1 + (cl.id % 4)];

-- Every third client pays monthly (company-wide, renewed each month: the older ones EXPIRED);
-- the others bought ten lessons of their group at the start of the term.
INSERT INTO client_subscriptions (company_id, client_id, group_id, price_id, amount_minor, currency,
        valid_from, valid_to, lessons_included)
    SELECT m.company_id, m.client_id, NULL, p.id, p.amount_minor, p.currency,
        t.first_day + k * 30, t.first_day + k * 30 + 29, NULL
    FROM demo_members m CROSS JOIN demo_term t CROSS JOIN generate_series(0, 2) AS k
    JOIN prices p ON p.name = 'Monthly unlimited'
    WHERE m.n % 3 = 0
    UNION ALL
    SELECT m.company_id, m.client_id, m.group_id, p.id, p.amount_minor, p.currency,
        t.first_day + (m.n % 5)::integer, t.first_day + (m.n % 5)::integer + 89, 10
    FROM demo_members m CROSS JOIN demo_term t
    JOIN prices p ON p.name = '10 lessons'
    WHERE m.n % 3 <> 0;

-- Marks at every lesson held so far: mostly present, some late, absent or excused.
INSERT INTO attendance (lesson_id, client_id, status, marked_by, marked_at)
    SELECT l.id, m.client_id,
        CASE WHEN (l.id * 31 + m.client_id * 17) % 100 < 76 THEN 'PRESENT'
             WHEN (l.id * 31 + m.client_id * 17) % 100 < 84 THEN 'LATE'
             WHEN (l.id * 31 + m.client_id * 17) % 100 < 93 THEN 'ABSENT'
             ELSE 'EXCUSED' END,
        (SELECT user_id FROM employees WHERE id = l.coach_id), l.ends_at
    FROM lessons l JOIN demo_members m ON m.group_id = l.group_id
    WHERE l.starts_at < now() AND l.cancelled_at IS NULL;

-- Each attended mark consumed a lesson of the subscription the server would have taken: one
-- for the group before a company-wide one, each ending soonest, while lessons were left.
UPDATE attendance a SET subscription_id = pick.id
    FROM (SELECT a.lesson_id, a.client_id,
              (SELECT s.id FROM client_subscriptions s
               WHERE s.client_id = a.client_id AND (s.group_id = l.group_id OR s.group_id IS NULL)
                 AND (l.starts_at AT TIME ZONE 'Europe/Berlin')::date BETWEEN s.valid_from AND s.valid_to
               ORDER BY s.group_id IS NULL, s.valid_to, s.id LIMIT 1) AS id
          FROM attendance a JOIN lessons l ON l.id = a.lesson_id
          WHERE a.status IN ('PRESENT', 'LATE')) AS pick
    WHERE a.lesson_id = pick.lesson_id AND a.client_id = pick.client_id;
UPDATE attendance a SET subscription_id = NULL
    FROM (SELECT a.lesson_id, a.client_id, s.lessons_included,
              row_number() OVER (PARTITION BY a.subscription_id ORDER BY l.starts_at) AS nth
          FROM attendance a JOIN lessons l ON l.id = a.lesson_id
          JOIN client_subscriptions s ON s.id = a.subscription_id) AS used
    WHERE a.lesson_id = used.lesson_id AND a.client_id = used.client_id
      AND used.nth > used.lessons_included;
UPDATE client_subscriptions s
    SET lessons_used = (SELECT count(*) FROM attendance a WHERE a.subscription_id = s.id);

INSERT INTO favorite_groups (user_id, group_id, position)
    SELECT u.id, g.id, 0 FROM users u JOIN groups g ON g.name = 'Yoga Basics' WHERE u.username = 'ann';

INSERT INTO contracts (company_id, client_id, number, signed_on, valid_from, status, terms)
    SELECT m.company_id, m.client_id, 'LIN-' || lpad(m.n::text, 4, '0'), t.first_day - 3, t.first_day,
        'ACTIVE', 'Membership of Studio Linden; one month''s notice.'
    FROM demo_members m CROSS JOIN demo_term t;

-- The office works weekdays 09:00 to 17:00; coaches clock from 30 minutes before their lessons
-- to 15 minutes after.
INSERT INTO work_sessions (employee_id, started_at, ended_at, source)
    SELECT e.id, (d::date + time '09:00') AT TIME ZONE 'Europe/Berlin' + (e.id % 3) * interval '4 minutes',
        (d::date + time '17:00') AT TIME ZONE 'Europe/Berlin' + (e.id % 4) * interval '6 minutes', 'CLOCK'
    FROM employees e JOIN users u ON u.id = e.user_id
    CROSS JOIN demo_term t CROSS JOIN generate_series(t.first_day, current_date - 1, interval '1 day') AS d
    WHERE u.username IN ('hannah', 'max') AND extract(isodow FROM d) <= 5;
INSERT INTO work_sessions (employee_id, started_at, ended_at, source)
    SELECT l.coach_id, l.starts_at - interval '30 minutes', l.ends_at + interval '15 minutes', 'CLOCK'
    FROM lessons l WHERE l.ends_at < now() - interval '1 hour' AND l.cancelled_at IS NULL;

-- Timesheets of the weeks worked: hours imported from the clock, the older weeks finalized,
-- last week reviewed, this week being filled in.
INSERT INTO timesheets (employee_id, week, time_zone, period)
    SELECT DISTINCT ws.employee_id, rollcall_week_of((ws.started_at AT TIME ZONE 'Europe/Berlin')::date),
        'Europe/Berlin',
        rollcall_week_period(rollcall_week_of((ws.started_at AT TIME ZONE 'Europe/Berlin')::date), 'Europe/Berlin')
    FROM work_sessions ws;
INSERT INTO timesheet_entries (employee_id, date, start_time, end_time, break_minutes, source,
        work_session_id, clock_started_at, clock_ended_at)
    SELECT ws.employee_id, (ws.started_at AT TIME ZONE 'Europe/Berlin')::date,
        date_trunc('minute', (ws.started_at AT TIME ZONE 'Europe/Berlin')::time),
        date_trunc('minute', (ws.ended_at AT TIME ZONE 'Europe/Berlin')::time),
        CASE WHEN ws.ended_at - ws.started_at > interval '6 hours' THEN 30 ELSE 0 END,
        'CLOCK', ws.id, ws.started_at, ws.ended_at
    FROM work_sessions ws;
INSERT INTO timesheet_transitions (employee_id, week, action, from_status, to_status, actor_id, at)
    SELECT t.employee_id, t.week, v.action, v.from_status, v.to_status,
        CASE WHEN v.action = 'SUBMIT_HOURS' THEN e.user_id
             ELSE (SELECT id FROM users WHERE username = 'hannah') END,
        (t.week + 7 + v.day)::timestamp AT TIME ZONE 'Europe/Berlin' + interval '10 hours'
    FROM timesheets t JOIN employees e ON e.id = t.employee_id
    CROSS JOIN (VALUES ('SUBMIT_HOURS', 'DRAFT', 'HOURS_SUBMITTED', 0),
                       ('REVIEW_HOURS', 'HOURS_SUBMITTED', 'HOURS_REVIEWED', 1),
                       ('FINALIZE', 'HOURS_REVIEWED', 'FINALIZED', 2)) AS v (action, from_status, to_status, day)
    WHERE (t.week + 7 + v.day) < current_date
      AND (v.action <> 'FINALIZE' OR t.week + 14 <= current_date)
      AND t.week + 7 <= current_date;
UPDATE timesheets t SET
        status = CASE WHEN x.finalized THEN 'FINALIZED' WHEN x.reviewed THEN 'HOURS_REVIEWED'
                      WHEN x.submitted THEN 'HOURS_SUBMITTED' ELSE 'DRAFT' END,
        hours_submitted_at = x.submitted_at, hours_submitted_by = x.submitted_by,
        hours_reviewed_at = x.reviewed_at, hours_reviewed_by = x.reviewer,
        schedule_submitted_at = x.reviewed_at, schedule_submitted_by = x.reviewer,
        finalized_at = x.finalized_at, finalized_by = x.finalizer
    FROM (SELECT employee_id, week,
              bool_or(action = 'SUBMIT_HOURS') AS submitted, bool_or(action = 'REVIEW_HOURS') AS reviewed,
              bool_or(action = 'FINALIZE') AS finalized,
              max(at) FILTER (WHERE action = 'SUBMIT_HOURS') AS submitted_at,
              max(actor_id) FILTER (WHERE action = 'SUBMIT_HOURS') AS submitted_by,
              max(at) FILTER (WHERE action = 'REVIEW_HOURS') AS reviewed_at,
              max(actor_id) FILTER (WHERE action = 'REVIEW_HOURS') AS reviewer,
              max(at) FILTER (WHERE action = 'FINALIZE') AS finalized_at,
              max(actor_id) FILTER (WHERE action = 'FINALIZE') AS finalizer
          FROM timesheet_transitions GROUP BY employee_id, week) AS x
    WHERE t.employee_id = x.employee_id AND t.week = x.week;

-- A shelf of course books, some lent: Ann's is due soon, one is overdue (its reminders go out
-- once the server runs), Cora returned hers.
INSERT INTO books (company_id, group_id, title, author, isbn, copies)
    SELECT c.id, g.id, v.title, v.author, v.isbn, v.copies
    FROM companies c
    CROSS JOIN (VALUES ('Light on Yoga', 'B. K. S. Iyengar', '9780805210316', 3, 'Yoga Basics'),
                       ('The Pilates Body', 'Brooke Siler', '9780767903967', 2, 'Pilates'),
                       ('Anatomy of Movement', 'Blandine Calais-Germain', '9780939616572', 2, NULL),
                       ('Dance Games for Children', 'Anne Green Gilbert', '9781450415750', 4, 'Kids Dance'),
                       ('Vinyasa Sequences (studio handout)', '', NULL, 1, 'Vinyasa Flow'))
        AS v (title, author, isbn, copies, grp)
    LEFT JOIN groups g ON g.name = v.grp
    WHERE c.name = 'Studio Linden';

INSERT INTO loans (company_id, book_id, client_id, user_id, lent_on, due, returned_on, lent_by,
        returned_to, note)
    SELECT b.company_id, b.id, cl.id, u.id, current_date - v.lent_ago, current_date + v.due_in,
        current_date - v.returned_ago, hannah.id,
        CASE WHEN v.returned_ago IS NOT NULL THEN hannah.id END, v.note
    FROM (VALUES ('Light on Yoga', 'Ann Becker', NULL, 10, 4, NULL::integer, NULL),
                 ('The Pilates Body', 'Elif Yilmaz', NULL, 20, -6, NULL, 'Promised it back last week'),
                 ('Dance Games for Children', 'Ida Schwarz', NULL, 3, 11, NULL, NULL),
                 ('Anatomy of Movement', NULL, 'cora', 30, -16, 12, 'For the teacher training'))
        AS v (title, client, username, lent_ago, due_in, returned_ago, note)
    JOIN books b ON b.title = v.title
    LEFT JOIN clients cl ON cl.name = v.client
    LEFT JOIN users u ON u.username = v.username
    CROSS JOIN (SELECT id FROM users WHERE username = 'hannah') AS hannah;
