//! The names behind ids, for exports a person reads in a spreadsheet: dictionary entries
//! (statuses, priorities, categories, types) and customers, each read once per export.

use std::collections::HashMap;

use servdesk_domain::dictionaries::DictionaryKind;
use servdesk_persistence::ConnectionTrait;
use servdesk_persistence::directory::customers;
use uuid::Uuid;

use crate::error::ApiResult;

#[derive(Default)]
pub struct Names {
    entries: HashMap<Uuid, String>,
    customers: HashMap<Uuid, String>,
}

impl Names {
    /// The entries of `kinds` (inactive ones too: old records name them) and the customers
    /// with these ids.
    pub async fn load(conn: &impl ConnectionTrait, kinds: &[DictionaryKind], customer_ids: impl Iterator<Item = Uuid>) -> ApiResult<Self> {
        let mut entries = HashMap::new();
        for kind in kinds {
            for entry in servdesk_persistence::dictionaries::list(conn, *kind, None, None).await? {
                entries.insert(entry.id, entry.name);
            }
        }
        let mut ids: Vec<Uuid> = customer_ids.collect();
        ids.sort_unstable();
        ids.dedup();
        Ok(Self { entries, customers: customers::names(conn, &ids).await? })
    }

    /// The entry's name; empty for none.
    pub fn entry(&self, id: Option<Uuid>) -> String {
        id.and_then(|id| self.entries.get(&id)).cloned().unwrap_or_default()
    }

    /// The customer's name; empty for none.
    pub fn customer(&self, id: Option<Uuid>) -> String {
        id.and_then(|id| self.customers.get(&id)).cloned().unwrap_or_default()
    }
}
