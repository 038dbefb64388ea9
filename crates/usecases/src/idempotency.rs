//! An `Idempotency-Key` and its effect commit together.
//!
//! The API claims the key before the request runs and stores the response after it; a
//! process that dies between the use case's commit and that store used to leave the key in
//! flight with its effect saved, and a retry then ran the request again. Now every use
//! case's transaction marks the key `committed` inside itself ([`commit`]), so a retry can
//! tell "it never happened" (the transaction rolled back with the process: run it again)
//! from "it happened, its answer was lost" (never run it twice).
//!
//! Which key a request holds is set once around the request by the API ([`scope`]);
//! outside one (the worker, tests of the use cases) [`commit`] is a plain commit.

use std::future::Future;

use servdesk_persistence::{DatabaseTransaction, idempotency};

use crate::Result;

#[derive(Clone)]
struct Held {
    subject: String,
    key: String,
}

tokio::task_local! {
    static HELD: Held;
}

/// Runs `f` (the request) holding `key` of `subject`.
pub async fn scope<F: Future>(subject: String, key: String, f: F) -> F::Output {
    HELD.scope(Held { subject, key }, f).await
}

/// Commits `txn`, marking the request's idempotency key (if it holds one) as carried out in
/// the same transaction.
pub async fn commit(txn: DatabaseTransaction) -> Result<()> {
    if let Ok(held) = HELD.try_with(Held::clone) {
        idempotency::mark_committed(&txn, &held.subject, &held.key).await?;
    }
    txn.commit().await?;
    Ok(())
}
