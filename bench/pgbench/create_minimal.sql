-- The least a ticket create can be: one transaction inserting the ticket and its `created`
-- event into Servdesk's own tables (every index and foreign key in place), no number counter,
-- no search document, no idempotency record, outbox or change feed. compare.sh sets :customer,
-- :priority and :status; the number is unique without a counter.
BEGIN;
INSERT INTO tickets (id, number, title, description, channel, customer_id, priority_id, status_id, reported_at,
                     warranty, warranty_default, paid, tags, version, created_at, updated_at, alarm_count)
VALUES (gen_random_uuid(), 'P-' || (:client_id) || '-' || left(md5(random()::text), 24), 'Boiler noisy at site 17',
        'Reported by phone; unit 42', 'api', :customer, :priority, :status, now(),
        false, false, false, '[]', 1, now(), now(), 0)
RETURNING id \gset
INSERT INTO ticket_events (id, ticket_id, kind, at, data)
VALUES (gen_random_uuid(), :id, 'created', now(), '{"number": "P"}');
COMMIT;
