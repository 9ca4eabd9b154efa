-- Academy, second part: clients (a company's customers, optionally signed in with an account),
-- their contracts and subscriptions, and attendance at lessons, which consumes a lesson of a
-- valid subscription.

-- Today in a company's time zone.
CREATE FUNCTION rollcall_company_today(company bigint) RETURNS date
    LANGUAGE sql STABLE AS $$
        SELECT (now() AT TIME ZONE time_zone)::date FROM companies WHERE id = company
    $$;
COMMENT ON FUNCTION rollcall_company_today(bigint) IS 'Today''s date in a company''s time zone.';

CREATE TABLE clients (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    company_id bigint NOT NULL REFERENCES companies (id),
    user_id bigint REFERENCES users (id) ON DELETE SET NULL,
    name text NOT NULL,
    email text,
    phone text,
    birth_date date,
    notes text,
    active boolean NOT NULL DEFAULT true,
    anonymized_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT clients_name_length CHECK
        (length(btrim(name)) BETWEEN 1 AND 200 OR (anonymized_at IS NOT NULL AND name = '')),
    CONSTRAINT clients_email_length CHECK (length(email) BETWEEN 3 AND 254 AND email LIKE '%_@_%'),
    CONSTRAINT clients_phone_length CHECK (length(phone) BETWEEN 3 AND 40),
    CONSTRAINT clients_notes_length CHECK (length(notes) <= 2000),
    CONSTRAINT clients_anonymized CHECK (anonymized_at IS NULL OR (name = '' AND email IS NULL
        AND phone IS NULL AND birth_date IS NULL AND notes IS NULL AND user_id IS NULL)),
    UNIQUE (id, company_id)
);
CREATE UNIQUE INDEX clients_one_per_account ON clients (company_id, user_id);
CREATE INDEX clients_by_name ON clients (name, id);
CREATE INDEX clients_by_created ON clients (created_at, id);
CREATE INDEX clients_by_company ON clients (company_id, name, id);
CREATE INDEX clients_by_user ON clients (user_id) WHERE user_id IS NOT NULL;

COMMENT ON TABLE clients IS 'A company''s customers, who buy subscriptions and attend lessons.';
COMMENT ON COLUMN clients.id IS 'The client id.';
COMMENT ON COLUMN clients.company_id IS 'The company.';
COMMENT ON COLUMN clients.user_id IS 'The account the client signs in with, if any (at most one client per account and company).';
COMMENT ON COLUMN clients.name IS 'Full name; empty once anonymized.';
COMMENT ON COLUMN clients.email IS 'Where mail reaches the client.';
COMMENT ON COLUMN clients.phone IS 'Phone number, as given.';
COMMENT ON COLUMN clients.birth_date IS 'Date of birth.';
COMMENT ON COLUMN clients.notes IS 'The studio''s notes.';
COMMENT ON COLUMN clients.active IS 'False once the client left.';
COMMENT ON COLUMN clients.anonymized_at IS 'When name, contacts, birth date and notes were erased (for good).';
COMMENT ON COLUMN clients.created_at IS 'When the client was created.';
COMMENT ON COLUMN clients.updated_at IS 'When the client last changed.';

-- A deleted account is unlinked from its clients (deletion anonymises the row; a hard delete is
-- covered by the foreign key).
CREATE FUNCTION rollcall_unlink_deleted_clients() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE clients SET user_id = NULL, updated_at = now() WHERE user_id = NEW.id;
    RETURN NEW;
END $$;
CREATE TRIGGER users_unlink_clients AFTER UPDATE OF deleted_at ON users
    FOR EACH ROW WHEN (NEW.deleted_at IS NOT NULL AND OLD.deleted_at IS NULL)
    EXECUTE FUNCTION rollcall_unlink_deleted_clients();

CREATE TABLE contracts (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    company_id bigint NOT NULL,
    client_id bigint NOT NULL,
    number text NOT NULL,
    signed_on date,
    valid_from date NOT NULL,
    valid_to date,
    terms text,
    status text NOT NULL DEFAULT 'DRAFT',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (client_id, company_id) REFERENCES clients (id, company_id),
    CONSTRAINT contracts_number_taken UNIQUE (company_id, number),
    CONSTRAINT contracts_number_length CHECK (length(btrim(number)) BETWEEN 1 AND 50),
    CONSTRAINT contracts_terms_length CHECK (length(terms) <= 10000),
    CONSTRAINT contracts_valid_to_after_from CHECK (valid_to >= valid_from),
    CONSTRAINT contracts_status CHECK (status IN ('DRAFT', 'ACTIVE', 'ENDED', 'CANCELLED'))
);
CREATE INDEX contracts_by_client ON contracts (client_id, id);
CREATE INDEX contracts_by_created ON contracts (created_at, id);

COMMENT ON TABLE contracts IS 'Contracts signed with clients; numbers are unique per company.';
COMMENT ON COLUMN contracts.id IS 'The contract id.';
COMMENT ON COLUMN contracts.company_id IS 'The company (the client''s).';
COMMENT ON COLUMN contracts.client_id IS 'The client.';
COMMENT ON COLUMN contracts.number IS 'The contract number, unique within the company.';
COMMENT ON COLUMN contracts.signed_on IS 'When it was signed, if it was.';
COMMENT ON COLUMN contracts.valid_from IS 'First day it applies.';
COMMENT ON COLUMN contracts.valid_to IS 'Last day it applies; NULL while open-ended.';
COMMENT ON COLUMN contracts.terms IS 'Its terms, as text.';
COMMENT ON COLUMN contracts.status IS 'DRAFT, ACTIVE, ENDED or CANCELLED.';
COMMENT ON COLUMN contracts.created_at IS 'When the contract was created.';
COMMENT ON COLUMN contracts.updated_at IS 'When the contract last changed.';

CREATE TABLE client_subscriptions (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    company_id bigint NOT NULL,
    client_id bigint NOT NULL,
    group_id bigint REFERENCES groups (id),
    price_id bigint NOT NULL REFERENCES prices (id),
    amount_minor bigint NOT NULL,
    currency text NOT NULL,
    valid_from date NOT NULL,
    valid_to date NOT NULL,
    lessons_included integer,
    lessons_used integer NOT NULL DEFAULT 0,
    status text NOT NULL DEFAULT 'ACTIVE',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (client_id, company_id) REFERENCES clients (id, company_id),
    CONSTRAINT client_subscriptions_lessons_used CHECK
        (lessons_used >= 0 AND (lessons_included IS NULL OR lessons_used <= lessons_included)),
    CONSTRAINT client_subscriptions_lessons_included CHECK (lessons_included BETWEEN 1 AND 10000),
    CONSTRAINT client_subscriptions_valid_to_after_from CHECK (valid_to >= valid_from),
    CONSTRAINT client_subscriptions_amount CHECK (amount_minor >= 0),
    CONSTRAINT client_subscriptions_currency CHECK (currency ~ '^[A-Z]{3}$'),
    CONSTRAINT client_subscriptions_status CHECK (status IN ('ACTIVE', 'PAUSED', 'CANCELLED'))
);
CREATE INDEX client_subscriptions_by_client ON client_subscriptions (client_id, valid_to, id);
CREATE INDEX client_subscriptions_by_group ON client_subscriptions (group_id) WHERE group_id IS NOT NULL;
CREATE INDEX client_subscriptions_by_end ON client_subscriptions (valid_to, id);
CREATE INDEX client_subscriptions_by_created ON client_subscriptions (created_at, id);
CREATE INDEX client_subscriptions_by_start ON client_subscriptions (company_id, valid_from);

COMMENT ON TABLE client_subscriptions IS 'What a client bought: so many lessons (or unlimited) of a group, or of any group of the company, between two days.';
COMMENT ON COLUMN client_subscriptions.id IS 'The subscription id.';
COMMENT ON COLUMN client_subscriptions.company_id IS 'The company (the client''s).';
COMMENT ON COLUMN client_subscriptions.client_id IS 'The client.';
COMMENT ON COLUMN client_subscriptions.group_id IS 'The group it is for; NULL for any group of the company.';
COMMENT ON COLUMN client_subscriptions.price_id IS 'The price it was sold from.';
COMMENT ON COLUMN client_subscriptions.amount_minor IS 'What it was sold for, in minor units (copied from the price).';
COMMENT ON COLUMN client_subscriptions.currency IS 'ISO 4217 currency of the amount.';
COMMENT ON COLUMN client_subscriptions.valid_from IS 'First day it may be used.';
COMMENT ON COLUMN client_subscriptions.valid_to IS 'Last day it may be used; EXPIRED after it.';
COMMENT ON COLUMN client_subscriptions.lessons_included IS 'Lessons included; NULL for unlimited.';
COMMENT ON COLUMN client_subscriptions.lessons_used IS 'Lessons attended on it so far.';
COMMENT ON COLUMN client_subscriptions.status IS 'ACTIVE, PAUSED or CANCELLED (for good).';
COMMENT ON COLUMN client_subscriptions.created_at IS 'When it was sold.';
COMMENT ON COLUMN client_subscriptions.updated_at IS 'When it last changed.';

CREATE TABLE attendance (
    lesson_id bigint NOT NULL REFERENCES lessons (id),
    client_id bigint NOT NULL REFERENCES clients (id),
    status text NOT NULL,
    subscription_id bigint REFERENCES client_subscriptions (id),
    marked_by bigint REFERENCES users (id) ON DELETE SET NULL,
    marked_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (lesson_id, client_id),
    CONSTRAINT attendance_status CHECK (status IN ('PRESENT', 'ABSENT', 'EXCUSED', 'LATE')),
    CONSTRAINT attendance_consumes_when_there CHECK
        (subscription_id IS NULL OR status IN ('PRESENT', 'LATE'))
);
CREATE INDEX attendance_by_client ON attendance (client_id);
CREATE INDEX attendance_by_subscription ON attendance (subscription_id) WHERE subscription_id IS NOT NULL;

COMMENT ON TABLE attendance IS 'Who came to a lesson: one mark per lesson and client.';
COMMENT ON COLUMN attendance.lesson_id IS 'The lesson.';
COMMENT ON COLUMN attendance.client_id IS 'The client.';
COMMENT ON COLUMN attendance.status IS 'PRESENT, ABSENT, EXCUSED or LATE.';
COMMENT ON COLUMN attendance.subscription_id IS 'The subscription a PRESENT or LATE mark consumed a lesson of; NULL when none was valid (flagged).';
COMMENT ON COLUMN attendance.marked_by IS 'Who marked it.';
COMMENT ON COLUMN attendance.marked_at IS 'When it was last marked.';

-- The clients "in" a group: a valid subscription for that group, or a PRESENT or LATE mark at
-- one of its lessons in the last 90 days (a company-wide subscription alone is not).
CREATE FUNCTION rollcall_group_clients(group_ids bigint[]) RETURNS TABLE (group_id bigint, client_id bigint)
    LANGUAGE sql STABLE AS $$
        SELECT s.group_id, s.client_id FROM client_subscriptions s
        WHERE s.group_id = ANY (group_ids) AND s.status = 'ACTIVE'
          AND rollcall_company_today(s.company_id) BETWEEN s.valid_from AND s.valid_to
        UNION
        SELECT l.group_id, a.client_id FROM lessons l JOIN attendance a ON a.lesson_id = l.id
        WHERE l.group_id = ANY (group_ids) AND a.status IN ('PRESENT', 'LATE')
          AND l.starts_at > now() - interval '90 days' AND l.cancelled_at IS NULL
    $$;
COMMENT ON FUNCTION rollcall_group_clients(bigint[]) IS 'The clients in each of these groups: a valid subscription for it, or there at one of its lessons in the last 90 days.';

-- The clients in the groups an account coaches (through its employee records).
CREATE FUNCTION rollcall_coached_clients(account bigint) RETURNS SETOF bigint
    LANGUAGE sql STABLE AS $$
        SELECT c.client_id FROM rollcall_group_clients(ARRAY(
            SELECT g.id FROM groups g JOIN employees e ON e.id = g.coach_id WHERE e.user_id = account
        )) c
    $$;
COMMENT ON FUNCTION rollcall_coached_clients(bigint) IS 'The clients in the groups an account coaches.';
