-- Academy, first part: locations, groups and their lessons (a timetable every signed-in account
-- may read), prices, and each account's favourite groups and lessons.

CREATE TABLE locations (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    company_id bigint NOT NULL REFERENCES companies (id),
    name text NOT NULL,
    address text,
    time_zone text NOT NULL,
    active boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT locations_name_length CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    CONSTRAINT locations_address_length CHECK (length(address) <= 500),
    CONSTRAINT locations_time_zone_known CHECK (rollcall_is_time_zone(time_zone))
);
CREATE INDEX locations_by_company ON locations (company_id, name, id);
CREATE INDEX locations_by_name ON locations (name, id);

COMMENT ON TABLE locations IS 'Where a company''s groups meet, each in its time zone.';
COMMENT ON COLUMN locations.id IS 'The location id.';
COMMENT ON COLUMN locations.company_id IS 'The company.';
COMMENT ON COLUMN locations.name IS 'Display name.';
COMMENT ON COLUMN locations.address IS 'Postal address, if any.';
COMMENT ON COLUMN locations.time_zone IS 'IANA time zone of its lessons'' local times.';
COMMENT ON COLUMN locations.active IS 'False once closed: only its company''s managers still see it.';
COMMENT ON COLUMN locations.created_at IS 'When the location was created.';
COMMENT ON COLUMN locations.updated_at IS 'When the location last changed.';

CREATE TABLE groups (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    location_id bigint NOT NULL REFERENCES locations (id),
    coach_id bigint REFERENCES employees (id),
    name text NOT NULL,
    capacity integer NOT NULL,
    level text,
    schedule text,
    active boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT groups_name_length CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    CONSTRAINT groups_capacity CHECK (capacity BETWEEN 1 AND 1000),
    CONSTRAINT groups_level_length CHECK (length(level) <= 100),
    CONSTRAINT groups_schedule_length CHECK (length(schedule) <= 500)
);
CREATE INDEX groups_by_location ON groups (location_id, name, id);
CREATE INDEX groups_by_name ON groups (name, id);
CREATE INDEX groups_by_coach ON groups (coach_id) WHERE coach_id IS NOT NULL;

COMMENT ON TABLE groups IS 'Classes of a location, taught by a coach.';
COMMENT ON COLUMN groups.id IS 'The group id.';
COMMENT ON COLUMN groups.location_id IS 'Where it meets.';
COMMENT ON COLUMN groups.coach_id IS 'Its coach: an employee of the location''s company.';
COMMENT ON COLUMN groups.name IS 'Display name.';
COMMENT ON COLUMN groups.capacity IS 'How many clients a lesson takes.';
COMMENT ON COLUMN groups.level IS 'Its level, as text (e.g. Beginners).';
COMMENT ON COLUMN groups.schedule IS 'When it meets, as text (e.g. Mondays 18:00).';
COMMENT ON COLUMN groups.active IS 'False once closed: only its company''s managers still see it.';
COMMENT ON COLUMN groups.created_at IS 'When the group was created.';
COMMENT ON COLUMN groups.updated_at IS 'When the group last changed.';

CREATE TABLE lessons (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    group_id bigint NOT NULL REFERENCES groups (id),
    coach_id bigint REFERENCES employees (id),
    starts_at timestamptz NOT NULL,
    ends_at timestamptz NOT NULL,
    topic text,
    cancelled_at timestamptz,
    cancel_reason text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT lessons_end_after_start CHECK (ends_at > starts_at),
    CONSTRAINT lessons_topic_length CHECK (length(topic) <= 500),
    CONSTRAINT lessons_cancel_reason_length CHECK (length(cancel_reason) <= 500),
    CONSTRAINT lessons_coach_busy EXCLUDE USING gist
        (coach_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&) WHERE (cancelled_at IS NULL)
);
CREATE UNIQUE INDEX lessons_one_per_start ON lessons (group_id, starts_at);
CREATE INDEX lessons_by_start ON lessons (starts_at, id);

COMMENT ON TABLE lessons IS 'A group''s meetings; a coach is never in two at once.';
COMMENT ON COLUMN lessons.id IS 'The lesson id.';
COMMENT ON COLUMN lessons.group_id IS 'The group.';
COMMENT ON COLUMN lessons.coach_id IS 'Who teaches it (the group''s coach unless said otherwise).';
COMMENT ON COLUMN lessons.starts_at IS 'When it starts (made from a local time in the location''s zone).';
COMMENT ON COLUMN lessons.ends_at IS 'When it ends.';
COMMENT ON COLUMN lessons.topic IS 'What it is about.';
COMMENT ON COLUMN lessons.cancelled_at IS 'When it was cancelled (for good); NULL while it takes place.';
COMMENT ON COLUMN lessons.cancel_reason IS 'Why it was cancelled.';
COMMENT ON COLUMN lessons.created_at IS 'When the lesson was planned.';
COMMENT ON COLUMN lessons.updated_at IS 'When the lesson last changed.';

CREATE TABLE prices (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    company_id bigint NOT NULL REFERENCES companies (id),
    name text NOT NULL,
    amount_minor bigint NOT NULL,
    currency text NOT NULL,
    lessons_included integer,
    validity_days integer NOT NULL,
    active boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT prices_name_length CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    CONSTRAINT prices_amount CHECK (amount_minor >= 0),
    CONSTRAINT prices_currency CHECK (currency ~ '^[A-Z]{3}$'),
    CONSTRAINT prices_lessons_included CHECK (lessons_included BETWEEN 1 AND 10000),
    CONSTRAINT prices_validity_days CHECK (validity_days BETWEEN 1 AND 3660)
);
CREATE INDEX prices_by_company ON prices (company_id, name, id);

COMMENT ON TABLE prices IS 'What a company sells: subscriptions of so many lessons (or unlimited) for so many days.';
COMMENT ON COLUMN prices.id IS 'The price id.';
COMMENT ON COLUMN prices.company_id IS 'The company.';
COMMENT ON COLUMN prices.name IS 'Display name, e.g. 10 lessons.';
COMMENT ON COLUMN prices.amount_minor IS 'The amount in the currency''s minor units (cents).';
COMMENT ON COLUMN prices.currency IS 'ISO 4217 currency code.';
COMMENT ON COLUMN prices.lessons_included IS 'Lessons a subscription sold at this price includes; NULL for unlimited.';
COMMENT ON COLUMN prices.validity_days IS 'How many days such a subscription is valid.';
COMMENT ON COLUMN prices.active IS 'False once no longer sold.';
COMMENT ON COLUMN prices.created_at IS 'When the price was created.';
COMMENT ON COLUMN prices.updated_at IS 'When the price last changed.';

CREATE TABLE favorite_groups (
    user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    group_id bigint NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    position integer NOT NULL,
    PRIMARY KEY (user_id, group_id)
);
CREATE TABLE favorite_lessons (
    user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    lesson_id bigint NOT NULL REFERENCES lessons (id) ON DELETE CASCADE,
    position integer NOT NULL,
    PRIMARY KEY (user_id, lesson_id)
);

COMMENT ON TABLE favorite_groups IS 'An account''s favourite groups (at most 100), in its order.';
COMMENT ON COLUMN favorite_groups.user_id IS 'The account.';
COMMENT ON COLUMN favorite_groups.group_id IS 'The group.';
COMMENT ON COLUMN favorite_groups.position IS 'Its place in the account''s list.';
COMMENT ON TABLE favorite_lessons IS 'An account''s favourite lessons (at most 100), in its order.';
COMMENT ON COLUMN favorite_lessons.user_id IS 'The account.';
COMMENT ON COLUMN favorite_lessons.lesson_id IS 'The lesson.';
COMMENT ON COLUMN favorite_lessons.position IS 'Its place in the account''s list.';
