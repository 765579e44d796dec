//! [`PolicyView`] over a store transaction, so that policies read the same
//! snapshot the decision is applied to. Reads policy files named in
//! function arguments (ACL files).

use crate::error::InfraResult;
use crate::freebusy::{BusyPeriod, FbSet};
use crate::policy::PolicyView;
use crate::store::StoreTx;
use chrono::{DateTime, Utc};

/// A read view of a transaction.
pub struct TxView<'a> {
    /// The transaction.
    pub tx: &'a dyn StoreTx,
    /// Where preferences come from.
    pub prefs: &'a dyn super::prefs::PrefSource,
}

impl PolicyView for TxView<'_> {
    fn busy(
        &self,
        set: &FbSet,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    ) -> InfraResult<Vec<BusyPeriod>> {
        self.tx.busy(set, start, end)
    }
    fn busy_all(&self, set: &FbSet) -> InfraResult<Vec<BusyPeriod>> {
        self.tx.busy_all(set)
    }
    fn kv_get(&self, ns: &str, key: &str) -> InfraResult<Option<String>> {
        self.tx.kv_get(ns, key)
    }
    fn kv_list(&self, ns: &str, prefix: &str) -> InfraResult<Vec<(String, String)>> {
        self.tx.kv_list(ns, prefix)
    }
    fn pref_of(&self, user: &str, name: &str) -> InfraResult<Option<String>> {
        Ok(self
            .prefs
            .user_values(self.tx, user)?
            .into_iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v))
    }
    fn read_policy_file(&self, path: &str) -> Option<String> {
        std::fs::read_to_string(path).ok()
    }
}
