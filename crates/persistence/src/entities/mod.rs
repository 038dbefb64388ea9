//! sea-orm entities: one module per table, plain data. Rules live in the domain crate and
//! queries in the store modules beside this one.

pub mod api_keys;
pub mod attachments;
pub mod calls;
pub mod canned_responses;
pub mod checklist_items;
pub mod contact_phones;
pub mod contacts;
pub mod customers;
pub mod dictionary_entries;
pub mod documents;
pub mod equipment;
pub mod idempotency_keys;
pub mod jobs;
pub mod locations;
pub mod login_failures;
pub mod messages;
pub mod notification_settings;
pub mod partners;
pub mod products;
pub mod refresh_tokens;
pub mod sequences;
pub mod sessions;
pub mod settings;
pub mod task_completions;
pub mod task_materials;
pub mod tasks;
pub mod team_members;
pub mod teams;
pub mod templates;
pub mod ticket_comments;
pub mod ticket_events;
pub mod tickets;
pub mod time_entries;
pub mod timers;
pub mod users;
