DROP TRIGGER work_sessions_changed ON work_sessions;
DROP FUNCTION rollcall_work_session_changed();
DROP FUNCTION rollcall_live_event(text, bigint, bigint, bigint, jsonb);
DROP TABLE live_events, kiosk_clocks, kiosks, clock_idempotency_keys, work_session_changes,
    work_sessions, employees, company_members, companies;
DROP FUNCTION rollcall_is_time_zone(text);
ALTER TABLE auth_events DROP CONSTRAINT auth_events_actor_id_fkey,
    ADD CONSTRAINT auth_events_actor_id_fkey FOREIGN KEY (actor_id) REFERENCES users (id);
ALTER TABLE role_changes DROP CONSTRAINT role_changes_requested_by_fkey,
    ADD CONSTRAINT role_changes_requested_by_fkey FOREIGN KEY (requested_by) REFERENCES users (id);
ALTER TABLE role_changes DROP CONSTRAINT role_changes_decided_by_fkey,
    ADD CONSTRAINT role_changes_decided_by_fkey FOREIGN KEY (decided_by) REFERENCES users (id);
