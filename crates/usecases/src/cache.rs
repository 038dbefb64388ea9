//! Short-lived in-process snapshots of data that is read on almost every request and changes
//! rarely (the ticket status dictionary). A write through this process drops the snapshot at
//! once; other processes see the change within [`SNAPSHOT_TTL`].

use std::future::Future;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

pub const SNAPSHOT_TTL: Duration = Duration::from_secs(5);

pub struct Snapshot<T> {
    slot: RwLock<Option<(Instant, Arc<T>)>>,
    ttl: Duration,
}

impl<T> Default for Snapshot<T> {
    fn default() -> Self {
        Self { slot: RwLock::new(None), ttl: SNAPSHOT_TTL }
    }
}

impl<T> Snapshot<T> {
    /// The current value if it is fresh and `usable` accepts it.
    pub fn fresh(&self, usable: impl Fn(&T) -> bool) -> Option<Arc<T>> {
        let slot = self.slot.read().ok()?;
        slot.as_ref().filter(|(at, v)| at.elapsed() < self.ttl && usable(v)).map(|(_, v)| Arc::clone(v))
    }

    /// The current value if it is fresh and `usable` accepts it; else what `read` answers,
    /// kept as the new snapshot. `read` is only awaited when it is needed.
    pub async fn or_read<E>(&self, usable: impl Fn(&T) -> bool, read: impl Future<Output = Result<T, E>>) -> Result<Arc<T>, E> {
        match self.fresh(usable) {
            Some(value) => Ok(value),
            None => Ok(self.store(read.await?)),
        }
    }

    pub fn store(&self, value: T) -> Arc<T> {
        let value = Arc::new(value);
        if let Ok(mut slot) = self.slot.write() {
            *slot = Some((Instant::now(), Arc::clone(&value)));
        }
        value
    }

    pub fn invalidate(&self) {
        if let Ok(mut slot) = self.slot.write() {
            *slot = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stored_value_is_served_until_invalidated() {
        let snap = Snapshot::default();
        assert!(snap.fresh(|_: &Vec<u8>| true).is_none());
        snap.store(vec![1]);
        assert_eq!(snap.fresh(|_| true).as_deref(), Some(&vec![1]));
        snap.invalidate();
        assert!(snap.fresh(|_| true).is_none());
    }

    #[test]
    fn a_value_the_caller_cannot_use_is_not_served() {
        let snap = Snapshot::default();
        snap.store(vec![1, 2]);
        assert!(snap.fresh(|v: &Vec<u8>| v.contains(&3)).is_none());
    }

    #[tokio::test]
    async fn a_missing_or_unusable_value_is_read_and_kept_and_a_fresh_one_is_not_read_again() {
        let snap = Snapshot::default();
        let read = snap.or_read(|_: &Vec<u8>| true, async { Ok::<_, ()>(vec![1]) }).await;
        assert_eq!(read.as_deref(), Ok(&vec![1]));
        let kept = snap.or_read(|_| true, async { Err::<Vec<u8>, _>("must not be read") }).await;
        assert_eq!(kept.as_deref(), Ok(&vec![1]));
        let unusable = snap.or_read(|v| v.contains(&2), async { Ok::<_, ()>(vec![1, 2]) }).await;
        assert_eq!(unusable.as_deref(), Ok(&vec![1, 2]));
        assert_eq!(snap.fresh(|_| true).as_deref(), Some(&vec![1, 2]), "the value read is the new snapshot");
    }

    #[test]
    fn an_old_value_is_not_served() {
        let snap = Snapshot { slot: RwLock::new(None), ttl: Duration::ZERO };
        snap.store(vec![1]);
        assert!(snap.fresh(|_: &Vec<u8>| true).is_none());
    }
}
