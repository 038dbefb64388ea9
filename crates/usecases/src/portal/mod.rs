//! The customers' side of the desk: portal accounts (invitation, password and emailed
//! login links, sessions), what a logged-in contact reads and writes, and the public view of
//! a request that the portal and the tracking links both show.

pub mod accounts;
pub mod requests;
pub mod view;
