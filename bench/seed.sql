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

-- Ids are UUID v7 like the application's (time-ordered by created_at), so the data set has
-- the index and heap locality of a real one: 48 bits of milliseconds, version 7, variant 8.
CREATE FUNCTION pg_temp.uuid_v7_at(at timestamptz) RETURNS uuid LANGUAGE sql AS $$
  SELECT (lpad(to_hex((extract(epoch FROM at) * 1000)::bigint), 12, '0') || '7' || substr(r, 1, 3) || '8' || substr(r, 4, 15))::uuid
  FROM (SELECT md5(random()::text) AS r) AS x
$$;

INSERT INTO tickets (id, number, title, description, channel, customer_id, priority_id, status_id, reported_at,
                     warranty, warranty_default, paid, tags, version, created_at, updated_at, alarm_count, closed_at)
SELECT pg_temp.uuid_v7_at(now() - make_interval(secs => i)),
       'T-2025-' || lpad((:n - i + 1)::text, 7, '0'),
       (ARRAY['Pump', 'Printer', 'Boiler', 'Oven', 'Fridge', 'Router', 'Scale'])[1 + i % 7] || ' '
         || (ARRAY['leaks', 'jams', 'noisy', 'cold', 'broken', 'offline'])[1 + (i / 7) % 6] || ' at site ' || (i % 997),
       -- The oldest 2 % were reported by fax: a word only old tickets have, as models, sites
       -- and customers' names come and go (the "newest first" search for it walks far).
       'Reported by ' || CASE WHEN i > :n * 0.98 THEN 'fax' ELSE 'phone' END || '; unit ' || (i % 5003),
       'phone',
       r.customers[1 + i % 1000],
       r.priority,
       CASE WHEN i % 3 = 0 THEN r.status_closed ELSE r.status_new END,
       now() - make_interval(secs => i),
       false, false, false, '[]', 1,
       now() - make_interval(secs => i), now() - make_interval(secs => i), 0,
       CASE WHEN i % 3 = 0 THEN now() - make_interval(secs => i) END
FROM generate_series(:n, 1, -1) AS i, seed_refs AS r;

INSERT INTO ticket_events (id, ticket_id, kind, at, data)
SELECT pg_temp.uuid_v7_at(created_at), id, 'created', created_at, json_build_object('number', number)::text FROM tickets ORDER BY id;

-- The postings in one sorted pass rather than a trigger call per document.
ALTER TABLE ticket_search DISABLE TRIGGER ticket_terms_sync;
INSERT INTO ticket_search (ticket_id, document)
SELECT id, number || E'\n' || title || E'\n' || coalesce(description, '') FROM tickets ORDER BY id;
INSERT INTO ticket_terms (term, ticket_id)
SELECT l, ticket_id FROM ticket_search, unnest(tsvector_to_array(ts)) AS l ORDER BY 1, 2;
ALTER TABLE ticket_search ENABLE TRIGGER ticket_terms_sync;

-- The benchmark's new tickets draw 2026 numbers; 2025's are taken by the seed.
INSERT INTO sequences (name, period, last_value) VALUES ('ticket', 2025, :n) ON CONFLICT DO NOTHING;
COMMIT;
ANALYZE;
