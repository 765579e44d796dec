//! [`TxView`]: the engine's [`ScheduleView`] and the policies'
//! [`PolicyView`] over a store transaction, so that decisions read the same
//! snapshot they are applied to. Reads through the transaction, and policy
//! files named in function arguments (ACL files).

use super::{Env, prefs};
use crate::address::CalAddress;
use crate::config::prefs::Prefs;
use crate::error::InfraResult;
use crate::freebusy::{BusyPeriod, FbSet};
use crate::i18n::Lang;
use crate::ical::{Instance, Object};
use crate::itip::view::{ScheduleView, Stored};
use crate::policy::PolicyView;
use crate::store::{ReplyRecord, StoreTx, StoredObject};
use chrono::{DateTime, Utc};

/// A read view of a transaction.
pub struct TxView<'a, 'e> {
    /// The transaction.
    pub tx: &'a dyn StoreTx,
    /// The environment (where preferences come from).
    pub env: &'a Env<'e>,
}

/// Parses a stored object; unparseable text reads as absent.
pub fn parse_stored(s: StoredObject) -> Option<Stored> {
    Object::from_stored(&s.text).map(|object| Stored {
        object,
        status: s.status,
        instance: s.instance,
    })
}

impl ScheduleView for TxView<'_, '_> {
    fn stored(
        &self,
        user: &CalAddress,
        uid: &str,
        instance: &Instance,
    ) -> InfraResult<Option<Stored>> {
        Ok(self.tx.object(user.as_str(), uid, instance)?.and_then(parse_stored))
    }

    fn occurrences(&self, user: &CalAddress, uid: &str) -> InfraResult<Vec<Stored>> {
        Ok(self.tx.occurrences(user.as_str(), uid)?.into_iter().filter_map(parse_stored).collect())
    }

    fn counters(
        &self,
        user: &CalAddress,
        uid: &str,
        instance: &Instance,
    ) -> InfraResult<Vec<(String, String)>> {
        self.tx.counters(user.as_str(), uid, instance)
    }

    fn answers(&self, user: &CalAddress, uid: &str) -> InfraResult<Vec<ReplyRecord>> {
        self.tx.replies(user.as_str(), uid)
    }

    fn lang_of(&self, who: &CalAddress) -> InfraResult<Option<Lang>> {
        Ok(self
            .env
            .prefs
            .user_values(self.tx, who.as_str())?
            .into_iter()
            .find(|(k, _)| k == "LANG")
            .map(|(_, v)| Lang::from_pref(&v)))
    }

    fn zone_of(&self, who: &CalAddress) -> InfraResult<Option<crate::ical::Zone>> {
        Ok(self
            .env
            .prefs
            .user_values(self.tx, who.as_str())?
            .into_iter()
            .find(|(k, _)| k == "TZID")
            .and_then(|(_, v)| crate::ical::Zone::from_name(&v)))
    }

    fn prefs_of(&self, who: &CalAddress) -> InfraResult<Prefs> {
        prefs::load(self.env, self.tx, who.as_str())
    }

    fn policy(&self) -> &dyn PolicyView {
        self
    }
}

impl PolicyView for TxView<'_, '_> {
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
            .env
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
