//! Servdesk's HTTP API (`/api/v1`, actix-web) and the processes around it: the server, the
//! job worker, first-start bootstrap.

pub mod app;
pub mod auth;
pub mod bootstrap;
pub mod cache;
pub mod channels;
pub mod config;
pub mod conventions;
pub mod error;
pub mod observability;
pub mod openapi;
pub mod reports;
pub mod routes;
pub mod state;
pub mod storage;
pub mod wire;
pub mod worker;
