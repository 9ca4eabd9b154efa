DROP INDEX employees_by_created;
DROP INDEX employees_by_company_name;
DROP INDEX employees_by_name;
