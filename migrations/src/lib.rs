//! Servdesk's schema, one migration per step, written against sea-query so the same
//! migration runs on SQLite and PostgreSQL. Migrations never import today's entities:
//! they describe the schema as it was when they were written.

pub use sea_orm_migration::MigrationStatus;
pub use sea_orm_migration::prelude::*;

mod m20261122_000001_foundation;
mod m20261122_000002_directory;
mod m20261122_000003_dictionaries;
mod m20261122_000004_tickets;
mod m20261122_000005_comments;
mod m20261122_000006_calls;
mod m20261122_000007_canned_responses;
mod m20261122_000008_ticket_search;
mod m20261122_000009_list_indexes;
mod m20261122_000010_attachments;
mod m20261122_000011_tasks;
mod m20261122_000012_checklists;
mod m20261122_000013_time;
mod m20261122_000014_field_completion;
mod m20261122_000015_ticket_has_work;
mod m20261122_000016_channels;
mod m20261122_000017_email_comments;
mod m20261123_000018_drop_redundant_ticket_indexes;
mod m20261123_000019_ticket_terms;
mod m20261204_000020_alarm_scope;
mod m20261204_000021_contracts;
mod m20261205_000022_billing_runs;
mod m20261205_000023_documents_erp;
mod m20261205_000024_task_warranty;
mod m20261205_000025_portal;
mod m20261205_000026_web_forms;
mod m20261205_000027_triage_rules;
mod m20261205_000028_telephony;
mod m20261205_000029_changes;
mod m20261205_000030_webhooks;
mod m20261205_000031_external_refs;
mod m20261205_000032_custom_fields;
mod m20261205_000033_imports;
mod m20261205_000034_changes_billing;
mod m20261205_000035_sla;
mod m20261205_000036_ticket_measures;
mod m20261205_000037_number_sequences;

mod keys;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261122_000001_foundation::Migration),
            Box::new(m20261122_000002_directory::Migration),
            Box::new(m20261122_000003_dictionaries::Migration),
            Box::new(m20261122_000004_tickets::Migration),
            Box::new(m20261122_000005_comments::Migration),
            Box::new(m20261122_000006_calls::Migration),
            Box::new(m20261122_000007_canned_responses::Migration),
            Box::new(m20261122_000008_ticket_search::Migration),
            Box::new(m20261122_000009_list_indexes::Migration),
            Box::new(m20261122_000010_attachments::Migration),
            Box::new(m20261122_000011_tasks::Migration),
            Box::new(m20261122_000012_checklists::Migration),
            Box::new(m20261122_000013_time::Migration),
            Box::new(m20261122_000014_field_completion::Migration),
            Box::new(m20261122_000015_ticket_has_work::Migration),
            Box::new(m20261122_000016_channels::Migration),
            Box::new(m20261122_000017_email_comments::Migration),
            Box::new(m20261123_000018_drop_redundant_ticket_indexes::Migration),
            Box::new(m20261123_000019_ticket_terms::Migration),
            Box::new(m20261204_000020_alarm_scope::Migration),
            Box::new(m20261204_000021_contracts::Migration),
            Box::new(m20261205_000022_billing_runs::Migration),
            Box::new(m20261205_000023_documents_erp::Migration),
            Box::new(m20261205_000024_task_warranty::Migration),
            Box::new(m20261205_000025_portal::Migration),
            Box::new(m20261205_000026_web_forms::Migration),
            Box::new(m20261205_000027_triage_rules::Migration),
            Box::new(m20261205_000028_telephony::Migration),
            Box::new(m20261205_000029_changes::Migration),
            Box::new(m20261205_000030_webhooks::Migration),
            Box::new(m20261205_000031_external_refs::Migration),
            Box::new(m20261205_000032_custom_fields::Migration),
            Box::new(m20261205_000033_imports::Migration),
            Box::new(m20261205_000034_changes_billing::Migration),
            Box::new(m20261205_000035_sla::Migration),
            Box::new(m20261205_000036_ticket_measures::Migration),
            Box::new(m20261205_000037_number_sequences::Migration),
        ]
    }
}
