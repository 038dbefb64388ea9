//! Servdesk's HTTP API (`/api/v1`, actix-web) and the processes around it: the server, the
//! job worker, first-start bootstrap.

pub mod app;
pub mod auth;
pub mod bootstrap;
pub mod conventions;
pub mod demo;
pub mod dto;
pub mod error;
pub mod memory;
pub mod observability;
pub mod openapi;
pub mod routes;
pub mod state;
pub mod wire;
