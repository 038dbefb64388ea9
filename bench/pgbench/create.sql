-- POST /tickets with an Idempotency-Key: the statements Servdesk sends for one create
-- (captured from PostgreSQL's log, values written in), in its round trips: the key is claimed
-- outside the transaction; one statement draws the number and writes the ticket, its
-- `created` event, its search document, its first measures and (while a subscription is
-- active) its webhook event; the key is marked inside the transaction; the response is stored
-- after the commit. compare.sh sets :admin, :priority and :status.
\set k random(1, 1000000000000)
INSERT INTO idempotency_keys (subject, key, fingerprint, state, response_status, response_headers, response_body, created_at, expires_at)
VALUES ('user:' || :admin, 'pgbench-' || :client_id || '-' || :k, md5(:k::text) || md5(:client_id::text), 'in_flight', NULL, NULL, NULL,
        now(), now() + interval '1 day')
ON CONFLICT (subject, key) DO NOTHING;
BEGIN;
WITH s AS (SELECT servdesk_next_number('ticket', extract(year FROM now())::int) AS last_value),
n AS (SELECT last_value, 'T-' || extract(year FROM now())::int || '-' || CASE WHEN last_value < 1000000 THEN lpad(last_value::text, 6, '0') ELSE last_value::text END AS number FROM s),
t AS (INSERT INTO tickets (id, number, title, description, details, channel, call_id, customer_id, location_id, contact_id,
        equipment_id, serial_number, category_id, type_id, priority_id, status_id, team_id, assignee_id, expected_close_on,
        reported_at, warranty, warranty_default, warranty_override_reason, paid, tags, created_by, first_response_at,
        resolved_at, closed_at, external_ref, custom_fields, version, created_at, updated_at, alarm_key, alarm_count,
        alarm_last_seen_at, alarm_resolved_at, has_work, contract_id, sla_policy_id, sla_due_at, sla_warn_at, sla_breached,
        sla_paused_since, sla_pauses, sla_awaiting_since, sla_told, sla_watch_at)
      SELECT gen_random_uuid(), n.number, 'Boiler noisy at site 17', 'Reported by phone; unit 42', NULL, 'phone', NULL, NULL,
        NULL, NULL, NULL, NULL, NULL, NULL, :priority, :status, NULL, NULL, NULL, now(), false, false, NULL, false, '[]',
        :admin, NULL, NULL, NULL, NULL, '{}', 1, now(), now(), NULL, 0, NULL, NULL, false, NULL, NULL, NULL, NULL, false,
        NULL, '[]', NULL, '', NULL
      FROM n RETURNING id, number),
e AS (INSERT INTO ticket_events (id, ticket_id, kind, actor_user_id, actor_api_key_id, at, data)
      SELECT gen_random_uuid(), t.id, 'created', :admin, NULL, now(), json_build_object('number', t.number)::text FROM t),
d AS (INSERT INTO ticket_search (ticket_id, document) SELECT t.id, t.number || E'\n\tBoiler noisy at site 17\n\tReported by phone; unit 42' FROM t),
m AS (INSERT INTO ticket_measures (ticket_id, class, class_since, new_seconds, open_seconds, pending_seconds, resolved_seconds,
        first_response_at, first_response_by, first_response_minutes, first_response_business_minutes, closed_at, closed_by,
        close_minutes, close_business_minutes, reopens, first_response_state, first_response_due_at, resolution_state,
        resolution_due_at, next_response_state, next_response_due_at, next_responses_met, next_responses_missed)
      SELECT t.id, 'new', now(), 0, 0, 0, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, NULL, NULL, NULL, NULL, NULL,
        NULL, 0, 0
      FROM t WHERE NOT EXISTS (SELECT 1 FROM sla_policies) RETURNING ticket_id),
w0 AS (INSERT INTO webhook_events (id, event_type, resource, resource_id, previous, occurred_at)
      SELECT gen_random_uuid(), 'ticket.created', 'ticket', t.id, NULL, now() FROM t
      WHERE EXISTS (SELECT 1 FROM webhook_subscriptions WHERE active = true) RETURNING id)
SELECT last_value, number, (SELECT count(*) FROM w0) AS told, EXISTS (SELECT 1 FROM m) AS measured FROM n;
UPDATE idempotency_keys SET state = 'committed'
WHERE subject = 'user:' || :admin AND key = 'pgbench-' || :client_id || '-' || :k AND state = 'in_flight';
COMMIT;
UPDATE idempotency_keys SET state = 'completed', response_status = 201,
  response_headers = '[["location","/api/v1/tickets/01a2476c-c895-74c9-9b40-43668a37285c"],["etag","W/\"1\""]]',
  response_body = repeat('x', 1500)
WHERE subject = 'user:' || :admin AND key = 'pgbench-' || :client_id || '-' || :k;
