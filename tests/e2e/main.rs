//! End-to-end tests: the real app, real migrations, real HTTP on 127.0.0.1, on SQLite by
//! default and on PostgreSQL when `TEST_DATABASE_URL` is set (a fresh database per test).

// A failing test should panic with the value at hand.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

mod access;
mod access_writes;
mod architecture;
mod attachments;
mod auth;
mod billing;
mod calls;
mod canned;
mod changes;
mod checklists;
mod comments;
mod completion;
mod contracts;
mod conventions;
mod custom_fields;
mod customers;
mod dictionaries;
mod directory;
mod docs_page;
mod documents;
mod email_in;
mod email_out;
mod external_refs;
mod forms;
mod hardening;
mod imports;
mod jobs;
mod openapi;
mod planner;
mod portal;
mod reports;
mod s3;
mod sla;
mod sms;
mod tasks;
mod telephony;
mod ticket_actions;
mod tickets;
mod time;
mod triage;
mod webhooks;
