//! Tickets: create, read, list, change fields, and the timeline.

pub mod actions;
pub mod comments;
pub mod dto;
pub mod events;
pub mod handlers;
