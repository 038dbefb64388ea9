//! Short-lived in-process snapshots of data that is read on almost every request and changes
//! rarely (the ticket status dictionary). A write through this process drops the snapshot at
//! once; other processes see the change within [`SNAPSHOT_TTL`].

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

    #[test]
    fn an_old_value_is_not_served() {
        let snap = Snapshot { slot: RwLock::new(None), ttl: Duration::ZERO };
        snap.store(vec![1]);
        assert!(snap.fresh(|_: &Vec<u8>| true).is_none());
    }
}
