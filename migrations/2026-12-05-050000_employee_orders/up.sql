-- Indexes for the orders of the employees list (`EmployeesOrder`), so that a page is an index
-- scan of its rows rather than a sort of every employee in scope. The sort key of NAME is
-- `(coalesce(name, ''), id)` (erased employees have no name); NEWEST and OLDEST read
-- `(created_at, id)` forward or backward. The company's NAME index serves the list of one
-- company (`filter: {companyId}`), a manager's usual screen.
-- Measured with 1,000 employees: the first page by name took 0.31 ms (a top-N sort over a
-- sequential scan), 0.04 ms with the index.

CREATE INDEX employees_by_name ON employees (coalesce(name, ''), id);
CREATE INDEX employees_by_company_name ON employees (company_id, coalesce(name, ''), id);
CREATE INDEX employees_by_created ON employees (created_at, id);
