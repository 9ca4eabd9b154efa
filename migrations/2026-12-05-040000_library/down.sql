DROP TABLE loan_reminders;
DROP TABLE loans;
DROP TABLE books;
