-- The library: a company's course books and their loans to its clients and members, with
-- reminders of overdue loans sent through the outbox exactly once each.

CREATE TABLE books (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    company_id bigint NOT NULL REFERENCES companies (id),
    group_id bigint REFERENCES groups (id),
    title text NOT NULL,
    author text NOT NULL DEFAULT '',
    isbn text,
    copies integer NOT NULL,
    active boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (id, company_id),
    CONSTRAINT books_isbn_taken UNIQUE (company_id, isbn),
    CONSTRAINT books_title_length CHECK (length(btrim(title)) BETWEEN 1 AND 300),
    CONSTRAINT books_author_length CHECK (length(author) <= 300),
    CONSTRAINT books_isbn_format CHECK (isbn ~ '^97[89][0-9]{10}$'),
    CONSTRAINT books_copies CHECK (copies BETWEEN 0 AND 100000)
);
CREATE INDEX books_by_title ON books (title, id);
CREATE INDEX books_by_author ON books (author, id);
CREATE INDEX books_by_created ON books (created_at, id);
CREATE INDEX books_by_group ON books (group_id) WHERE group_id IS NOT NULL;

COMMENT ON TABLE books IS 'A company''s course books and materials, lent to its clients and members.';
COMMENT ON COLUMN books.id IS 'The book id.';
COMMENT ON COLUMN books.company_id IS 'The company.';
COMMENT ON COLUMN books.group_id IS 'The group it belongs to (of the same company), if any.';
COMMENT ON COLUMN books.title IS 'Its title.';
COMMENT ON COLUMN books.author IS 'Its author; empty when none is known.';
COMMENT ON COLUMN books.isbn IS 'Its ISBN-13 (an ISBN-10 is stored converted), unique within the company.';
COMMENT ON COLUMN books.copies IS 'How many copies the company has.';
COMMENT ON COLUMN books.active IS 'False once archived: no longer lent.';
COMMENT ON COLUMN books.created_at IS 'When the book was added.';
COMMENT ON COLUMN books.updated_at IS 'When the book last changed.';

CREATE TABLE loans (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    company_id bigint NOT NULL,
    book_id bigint NOT NULL,
    client_id bigint,
    user_id bigint REFERENCES users (id),
    lent_on date NOT NULL,
    due date NOT NULL,
    returned_on date,
    lent_by bigint REFERENCES users (id) ON DELETE SET NULL,
    returned_to bigint REFERENCES users (id) ON DELETE SET NULL,
    note text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (book_id, company_id) REFERENCES books (id, company_id),
    FOREIGN KEY (client_id, company_id) REFERENCES clients (id, company_id),
    CONSTRAINT loans_one_borrower CHECK (num_nonnulls(client_id, user_id) = 1),
    CONSTRAINT loans_due_after_lending CHECK (due >= lent_on),
    CONSTRAINT loans_returned_after_lending CHECK (returned_on >= lent_on),
    CONSTRAINT loans_note_length CHECK (length(note) <= 500)
);
CREATE INDEX loans_open_by_book ON loans (book_id) WHERE returned_on IS NULL;
CREATE INDEX loans_by_book ON loans (book_id, created_at, id);
CREATE INDEX loans_by_client ON loans (client_id) WHERE client_id IS NOT NULL;
CREATE INDEX loans_by_user ON loans (user_id) WHERE user_id IS NOT NULL;
CREATE INDEX loans_by_due ON loans (due, id);
CREATE INDEX loans_by_created ON loans (created_at, id);

COMMENT ON TABLE loans IS 'Books lent to a client or a member of the book''s company; open until returned.';
COMMENT ON COLUMN loans.id IS 'The loan id.';
COMMENT ON COLUMN loans.company_id IS 'The company (the book''s).';
COMMENT ON COLUMN loans.book_id IS 'The book lent.';
COMMENT ON COLUMN loans.client_id IS 'The borrower, when a client (else user_id).';
COMMENT ON COLUMN loans.user_id IS 'The borrower, when an account that is a member of the company (else client_id).';
COMMENT ON COLUMN loans.lent_on IS 'The day it was lent, in the company''s time zone.';
COMMENT ON COLUMN loans.due IS 'The last day to return it; overdue from the next day.';
COMMENT ON COLUMN loans.returned_on IS 'The day it came back; NULL while open.';
COMMENT ON COLUMN loans.lent_by IS 'Who lent it.';
COMMENT ON COLUMN loans.returned_to IS 'Who took it back.';
COMMENT ON COLUMN loans.note IS 'A note on the loan.';
COMMENT ON COLUMN loans.created_at IS 'When the loan was recorded.';
COMMENT ON COLUMN loans.updated_at IS 'When the loan last changed.';

CREATE TABLE loan_reminders (
    loan_id bigint NOT NULL REFERENCES loans (id),
    number integer NOT NULL,
    due date NOT NULL,
    period integer NOT NULL,
    recipient text NOT NULL,
    sent_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (loan_id, number),
    CONSTRAINT loan_reminders_number CHECK (number BETWEEN 1 AND 3),
    CONSTRAINT loan_reminders_period CHECK (period >= 1)
);

COMMENT ON TABLE loan_reminders IS 'Reminders of overdue loans: the first overdue day and every 7 days after, at most 3, each once.';
COMMENT ON COLUMN loan_reminders.loan_id IS 'The loan.';
COMMENT ON COLUMN loan_reminders.number IS 'Which reminder of the loan, 1 to 3.';
COMMENT ON COLUMN loan_reminders.due IS 'The due day it reminded of (an extended loan has a new one).';
COMMENT ON COLUMN loan_reminders.period IS 'The overdue week it was for: 1 from the first overdue day, 2 from the eighth, and so on.';
COMMENT ON COLUMN loan_reminders.recipient IS 'The address it was queued to.';
COMMENT ON COLUMN loan_reminders.sent_at IS 'When it was queued in the outbox.';
