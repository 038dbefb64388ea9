-- Seeds a PostgreSQL Servdesk database with :n tickets (and their created events and search
-- documents) over 1,000 customers, for the benchmark. Run after `servdesk migrate`:
--   psql "$url" -v n=1000000 -f bench/seed.sql
\set ON_ERROR_STOP on
BEGIN;
INSERT INTO customers (id, name, kind, acknowledge_calls, auto_resolve_alarms, active, version, created_at, updated_at)
SELECT gen_random_uuid(), 'Customer ' || i, 'company', true, false, true, 1, now(), now()
FROM generate_series(1, 1000) AS i;

CREATE TEMP TABLE seed_refs AS
SELECT (SELECT array_agg(id ORDER BY id) FROM customers) AS customers,
       (SELECT id FROM dictionary_entries WHERE kind = 'ticket-statuses' AND class = 'new' AND is_default) AS status_new,
       (SELECT id FROM dictionary_entries WHERE kind = 'ticket-statuses' AND class = 'closed' AND is_default) AS status_closed,
       (SELECT id FROM dictionary_entries WHERE kind = 'priorities' AND is_default) AS priority;

INSERT INTO tickets (id, number, title, description, channel, customer_id, priority_id, status_id, reported_at,
                     warranty, warranty_default, paid, tags, version, created_at, updated_at, alarm_count, closed_at)
SELECT gen_random_uuid(),
       'T-2025-' || lpad(i::text, 7, '0'),
       (ARRAY['Pump', 'Printer', 'Boiler', 'Oven', 'Fridge', 'Router', 'Scale'])[1 + i % 7] || ' '
         || (ARRAY['leaks', 'jams', 'noisy', 'cold', 'broken', 'offline'])[1 + (i / 7) % 6] || ' at site ' || (i % 997),
       'Reported by phone; unit ' || (i % 5003),
       'phone',
       r.customers[1 + i % 1000],
       r.priority,
       CASE WHEN i % 3 = 0 THEN r.status_closed ELSE r.status_new END,
       now() - make_interval(secs => i),
       false, false, false, '[]', 1,
       now() - make_interval(secs => i), now() - make_interval(secs => i), 0,
       CASE WHEN i % 3 = 0 THEN now() - make_interval(secs => i) END
FROM generate_series(1, :n) AS i, seed_refs AS r;

INSERT INTO ticket_events (id, ticket_id, kind, at, data)
SELECT gen_random_uuid(), id, 'created', created_at, json_build_object('number', number)::text FROM tickets;

INSERT INTO ticket_search (ticket_id, document)
SELECT id, number || E'\n' || title || E'\n' || coalesce(description, '') FROM tickets;

-- The benchmark's new tickets draw 2026 numbers; 2025's are taken by the seed.
INSERT INTO sequences (name, period, last_value) VALUES ('ticket', 2025, :n) ON CONFLICT DO NOTHING;
COMMIT;
ANALYZE;
