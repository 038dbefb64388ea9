//! Response types that more than one area shows. An area's own request and response types
//! stay beside its handlers; what two areas both render lives here, so no route module
//! imports another area's.

pub mod attachments;
pub mod billing;
pub mod calls;
pub mod checklists;
pub mod comments;
pub mod directory;
pub mod documents;
pub mod names;
pub mod pay;
pub mod portal;
pub mod records;
pub mod routing;
pub mod tasks;
pub mod tickets;
pub mod time;
pub mod time_entries;
pub mod users;

pub use attachments::AttachmentOut;
pub use documents::DocumentOut;
pub use routing::RoutingDto;
pub use tasks::TaskOut;
pub use tickets::TicketOut;
pub use time::TotalsOut;
pub use users::{ApiKeyOut, UserOut};
