-- Seeds a PostgreSQL Servdesk database for the billing benchmark: 10,000 customers, 2,000
-- contracts (a service each, monthly or quarterly, in advance or in arrears, 10 hours
-- included), 50,000 tickets and :n time entries (default 1,000,000) in January 2027, a
-- tenth of them under warranty, and an installation billing rate. Run after `servdesk migrate`:
--   psql "$url" -v n=1000000 -f bench/billing_seed.sql
\set ON_ERROR_STOP on
BEGIN;
INSERT INTO customers (id, name, kind, acknowledge_calls, auto_resolve_alarms, active, version, created_at, updated_at)
SELECT gen_random_uuid(), 'Customer ' || lpad(i::text, 5, '0'), 'company', true, false, true, 1, now(), now()
FROM generate_series(1, 10000) AS i;

CREATE TEMP TABLE seed_customers AS SELECT id, row_number() OVER (ORDER BY id) AS n FROM customers;

INSERT INTO users (id, email, name, role, password_hash, active, cost_rate_minor, version, created_at, updated_at)
SELECT gen_random_uuid(), 'tech' || i || '@bench.example', 'Technician ' || i, 'technician', '!', true, 3000, 1, now(), now()
FROM generate_series(1, 40) AS i;
CREATE TEMP TABLE seed_users AS SELECT id, row_number() OVER (ORDER BY id) AS n FROM users WHERE role = 'technician';

INSERT INTO contracts (id, number, customer_id, name, status, starts_on, ends_on, cycle, timing, currency, included_minutes,
                       hourly_rate_minor, notes, version, created_at, updated_at)
SELECT gen_random_uuid(), 'CT-2026-' || lpad(c.n::text, 6, '0'), c.id, 'Support ' || c.n, 'active', DATE '2026-06-01', NULL,
       CASE WHEN c.n % 2 = 0 THEN 'monthly' ELSE 'quarterly' END,
       CASE WHEN c.n % 3 = 0 THEN 'in_arrears' ELSE 'in_advance' END,
       'EUR', 600, 4500, NULL, 1, now(), now()
FROM seed_customers c WHERE c.n <= 2000;

INSERT INTO contract_services (id, contract_id, position, kind, description, fee_minor)
SELECT gen_random_uuid(), id, 1, 'maintenance', 'Maintenance', 30000 FROM contracts;

INSERT INTO billing_rates (id, scope, scope_key, rate_minor, currency, valid_from, version, created_at, updated_at)
VALUES (gen_random_uuid(), 'installation', 'installation', 6000, 'EUR', DATE '2020-01-01', 1, now(), now());

INSERT INTO tickets (id, number, title, channel, customer_id, priority_id, status_id, reported_at,
                     warranty, warranty_default, paid, tags, version, created_at, updated_at, alarm_count, has_work)
SELECT gen_random_uuid(), 'T-2026-' || lpad(i::text, 7, '0'), 'Ticket ' || i, 'phone',
       (SELECT id FROM seed_customers WHERE n = 1 + i % 10000),
       (SELECT id FROM dictionary_entries WHERE kind = 'priorities' AND is_default),
       (SELECT id FROM dictionary_entries WHERE kind = 'ticket-statuses' AND class = 'new' AND is_default),
       TIMESTAMPTZ '2027-01-02 08:00:00+00', i % 10 = 0, i % 10 = 0, i % 50 = 0, '[]', 1, now(), now(), 0, true
FROM generate_series(1, 50000) AS i;

CREATE TEMP TABLE seed_tickets AS SELECT id, customer_id, row_number() OVER (ORDER BY id) AS n FROM tickets;
CREATE INDEX ON seed_tickets (n);

INSERT INTO time_entries (id, user_id, ticket_id, customer_id, work_date, minutes, note, billable, rate_minor, cost_minor,
                          needs_review, source, version, created_at, updated_at)
SELECT gen_random_uuid(), u.id, t.id, t.customer_id, DATE '2027-01-01' + (i % 31), 15 + (i % 8) * 15, NULL,
       true, 3000, (15 + (i % 8) * 15) * 50, false, 'manual', 1, now(), now()
FROM generate_series(1, :n) AS i
JOIN seed_tickets t ON t.n = 1 + i % 50000
JOIN seed_users u ON u.n = 1 + i % 40;
COMMIT;
VACUUM ANALYZE;
