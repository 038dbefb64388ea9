-- Seeds a PostgreSQL Servdesk database for the reports benchmark (bench/reports.sh): :n
-- tickets reported over the year before now, each with ten timeline events, its measures
-- (as the application keeps them), two public replies by its agent, the call it came from
-- (plus a tenth more calls dismissed), and time on every other one; 50 agents, 1,000
-- customers, one SLA policy. Run after `servdesk migrate`:
--   psql "$url" -v n=1000000 -f bench/reports_seed.sql
\set ON_ERROR_STOP on
BEGIN;
INSERT INTO customers (id, name, kind, acknowledge_calls, auto_resolve_alarms, active, version, created_at, updated_at)
SELECT gen_random_uuid(), 'Customer ' || i, 'company', true, false, true, 1, now(), now()
FROM generate_series(1, 1000) AS i;

INSERT INTO users (id, email, name, role, password_hash, active, cost_rate_minor, version, created_at, updated_at)
SELECT gen_random_uuid(), 'agent' || i || '@bench.example.com', 'Agent ' || lpad(i::text, 2, '0'), 'agent', '!', true, 3000, 1, now(), now()
FROM generate_series(1, 50) AS i;

INSERT INTO business_calendars (id, name, time_zone, week, holidays, version, created_at, updated_at)
VALUES (gen_random_uuid(), 'Office', 'Europe/Ljubljana',
        '[[[480,960]],[[480,960]],[[480,960]],[[480,960]],[[480,960]],[],[]]', '[]', 1, now(), now());
INSERT INTO sla_policies (id, name, position, active, conditions, calendar_id, first_response_minutes, resolution_minutes,
                          warn_at_percent, version, created_at, updated_at)
SELECT gen_random_uuid(), 'Standard', 10, true, '{}', id, 120, 2400, 80, 1, now(), now() FROM business_calendars;

CREATE TEMP TABLE seed_refs AS
SELECT (SELECT array_agg(id ORDER BY id) FROM customers) AS customers,
       (SELECT array_agg(id ORDER BY name) FROM users WHERE role = 'agent') AS agents,
       (SELECT id FROM dictionary_entries WHERE kind = 'ticket-statuses' AND class = 'new' AND is_default) AS status_new,
       (SELECT id FROM dictionary_entries WHERE kind = 'ticket-statuses' AND class = 'open' AND is_default) AS status_open,
       (SELECT id FROM dictionary_entries WHERE kind = 'ticket-statuses' AND class = 'closed' AND is_default) AS status_closed,
       (SELECT id FROM dictionary_entries WHERE kind = 'priorities' AND is_default) AS priority,
       (SELECT id FROM sla_policies) AS policy;

CREATE FUNCTION pg_temp.uuid_v7_at(at timestamptz) RETURNS uuid LANGUAGE sql AS $$
  SELECT (lpad(to_hex((extract(epoch FROM at) * 1000)::bigint), 12, '0') || '7' || substr(r, 1, 3) || '8' || substr(r, 4, 15))::uuid
  FROM (SELECT md5(random()::text) AS r) AS x
$$;

-- The tickets: reported evenly over the last 365 days; answered after 10 minutes to a day;
-- three in four closed after one to ten days.
CREATE TEMP TABLE seed_tickets AS
SELECT i,
       now() - make_interval(secs => (i::float8 * 365 * 86400 / :n)) AS at,
       make_interval(mins => (10 + (i::bigint * 7919) % 1430)::int) AS answer,
       CASE WHEN i % 4 <> 0 THEN make_interval(hours => (24 + (i::bigint * 104729) % 216)::int) END AS close,
       i % 40 = 7 AS reopened
FROM generate_series(1, :n) AS i;

INSERT INTO tickets (id, number, title, channel, customer_id, priority_id, status_id, assignee_id, reported_at, warranty,
                     warranty_default, paid, tags, version, created_at, updated_at, alarm_count, first_response_at,
                     resolved_at, closed_at, sla_policy_id)
SELECT pg_temp.uuid_v7_at(s.at), 'T-R-' || lpad(s.i::text, 8, '0'), 'Boiler ' || (s.i % 997), 'phone',
       r.customers[1 + s.i % 1000], r.priority,
       CASE WHEN s.close IS NOT NULL AND s.at + s.close < now() THEN r.status_closed
            WHEN s.at + s.answer < now() THEN r.status_open ELSE r.status_new END,
       r.agents[1 + s.i % 50], s.at, false, false, false, '[]', 1, s.at, s.at, 0,
       CASE WHEN s.at + s.answer < now() THEN s.at + s.answer END,
       CASE WHEN s.at + s.close < now() THEN s.at + s.close END,
       CASE WHEN s.at + s.close < now() THEN s.at + s.close END,
       r.policy
FROM seed_tickets AS s, seed_refs AS r ORDER BY s.i DESC;

-- Their measures, as the application computes them (business minutes approximated as a
-- third of the calendar ones: what an eight-hour weekday calendar gives on average).
INSERT INTO ticket_measures (ticket_id, class, class_since, new_seconds, open_seconds, pending_seconds, resolved_seconds,
                             first_response_at, first_response_by, first_response_minutes, first_response_business_minutes,
                             closed_at, closed_by, close_minutes, close_business_minutes, reopens,
                             first_response_state, first_response_due_at, resolution_state, resolution_due_at,
                             next_responses_met, next_responses_missed)
SELECT t.id, d.class, coalesce(t.closed_at, t.first_response_at, t.created_at),
       extract(epoch FROM coalesce(t.first_response_at, now()) - t.created_at)::bigint,
       CASE WHEN t.closed_at IS NOT NULL THEN extract(epoch FROM t.closed_at - t.first_response_at)::bigint ELSE 0 END, 0, 0,
       t.first_response_at, CASE WHEN t.first_response_at IS NOT NULL THEN t.assignee_id END,
       (extract(epoch FROM t.first_response_at - t.reported_at) / 60)::bigint,
       (extract(epoch FROM t.first_response_at - t.reported_at) / 180)::bigint,
       t.closed_at, CASE WHEN t.closed_at IS NOT NULL THEN t.assignee_id END,
       (extract(epoch FROM t.closed_at - t.reported_at) / 60)::bigint,
       (extract(epoch FROM t.closed_at - t.reported_at) / 180)::bigint,
       CASE WHEN t.number LIKE '%7' AND t.closed_at IS NOT NULL THEN 1 ELSE 0 END,
       CASE WHEN t.first_response_at IS NULL THEN 'running'
            WHEN t.first_response_at - t.reported_at > interval '6 hours' THEN 'missed' ELSE 'met' END,
       CASE WHEN t.first_response_at IS NULL THEN t.reported_at + interval '6 hours' END,
       CASE WHEN t.closed_at IS NULL THEN 'running'
            WHEN t.closed_at - t.reported_at > interval '7 days' THEN 'missed' ELSE 'met' END,
       CASE WHEN t.closed_at IS NULL THEN t.reported_at + interval '7 days' END,
       0, 0
FROM tickets t JOIN dictionary_entries d ON d.id = t.status_id ORDER BY t.id;

-- Ten events a ticket: created, assigned, four comments, three status moves and a close (or,
-- for the open ones, more comments); one in ten closed ones was reopened instead of closed last.
INSERT INTO ticket_events (id, ticket_id, kind, actor_user_id, at, data)
SELECT pg_temp.uuid_v7_at(t.created_at + make_interval(mins => k * 17)), t.id,
       CASE WHEN k = 0 THEN 'created' WHEN k = 1 THEN 'assigned' WHEN k IN (2, 4, 6, 8) THEN 'comment_added'
            WHEN k = 9 AND t.closed_at IS NOT NULL THEN CASE WHEN t.number LIKE '%7' THEN 'reopened' ELSE 'closed' END
            WHEN k = 9 THEN 'comment_added' ELSE 'status_changed' END,
       t.assignee_id, t.created_at + make_interval(mins => k * 17), '{}'
FROM tickets t, generate_series(0, 9) AS k ORDER BY 1;

-- Two public replies by the agent to every answered ticket.
INSERT INTO ticket_comments (id, ticket_id, author_user_id, visibility, body, mentions, created_at)
SELECT pg_temp.uuid_v7_at(t.first_response_at + make_interval(hours => k * 5)), t.id, t.assignee_id, 'public',
       'We are on it.', '[]', t.first_response_at + make_interval(hours => k * 5)
FROM tickets t, generate_series(0, 1) AS k WHERE t.first_response_at IS NOT NULL ORDER BY 1;

-- Time on every other ticket, on the day it was answered.
INSERT INTO time_entries (id, user_id, ticket_id, customer_id, work_date, minutes, billable, rate_minor, cost_minor,
                          needs_review, source, version, created_at, updated_at)
SELECT pg_temp.uuid_v7_at(t.first_response_at), t.assignee_id, t.id, t.customer_id, t.first_response_at::date,
       15 + (t.number::text LIKE '%3')::int * 60, true, 3000, 1500, false, 'manual', 1, t.first_response_at, t.first_response_at
FROM tickets t WHERE t.first_response_at IS NOT NULL AND right(t.number, 1) IN ('0', '2', '4', '6', '8') ORDER BY 1;

-- The calls the tickets came from, and one in ten more that were dismissed.
INSERT INTO calls (id, number, channel, subject, metadata, customer_id, action, state, ticket_id, dismiss_reason, acknowledged,
                   alarm_count, version, created_at, updated_at)
SELECT pg_temp.uuid_v7_at(t.created_at - interval '5 minutes'), 'C-R-' || substr(t.number, 5), 'phone', t.title, '{}',
       t.customer_id, 'trigger', 'converted', t.id, NULL, true, 1, 1, t.created_at - interval '5 minutes', t.created_at
FROM tickets t ORDER BY 1;
INSERT INTO calls (id, number, channel, subject, metadata, customer_id, action, state, ticket_id, dismiss_reason, acknowledged,
                   alarm_count, version, created_at, updated_at)
SELECT pg_temp.uuid_v7_at(t.created_at - interval '7 minutes'), 'C-D-' || substr(t.number, 5), 'email', 'Cheap pills', '{}',
       NULL, 'trigger', 'dismissed', NULL, 'spam', true, 1, 1, t.created_at - interval '7 minutes', t.created_at
FROM tickets t WHERE right(t.number, 1) = '1' ORDER BY 1;
COMMIT;
VACUUM ANALYZE;
