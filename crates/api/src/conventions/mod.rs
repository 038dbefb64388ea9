//! The API's conventions, implemented once and used by every route: problem responses,
//! cursor pagination, ETags and `If-Match`, PATCH semantics, idempotency keys.

pub mod body;
pub mod characters;
pub mod clock;
pub mod download;
pub mod etag;
pub mod export;
pub mod external_ref;
pub mod headers;
pub mod idempotency;
pub mod methods;
pub mod negotiation;
pub mod pagination;
pub mod patch;
pub mod periods;
pub mod problems;
pub mod rate_limit;
pub mod spool;
pub mod timestamps;
pub mod upload;
pub mod validation;
