DROP FUNCTION rollcall_coached_clients(bigint);
DROP FUNCTION rollcall_group_clients(bigint[]);
DROP TABLE attendance;
DROP TABLE client_subscriptions;
DROP TABLE contracts;
DROP TRIGGER users_unlink_clients ON users;
DROP FUNCTION rollcall_unlink_deleted_clients();
DROP TABLE clients;
DROP FUNCTION rollcall_company_today(bigint);
