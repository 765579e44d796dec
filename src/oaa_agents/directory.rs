//! Which calendar users an agent serves, and whether each is a person or a
//! resource (the `users` table's kind). Performs no I/O: the caller reads
//! the users from the store and hands them to [`Directory::refresh`].

use crate::address::CalAddress;
use std::collections::BTreeMap;
use std::sync::{RwLock, RwLockReadGuard};

/// A person's or a resource's calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A person (kind `person`, or no kind recorded).
    Person,
    /// A resource (kind `resource`): bookable.
    Resource,
}

impl Kind {
    /// From the store's user kind.
    pub fn from_store(kind: &str) -> Kind {
        if kind == "resource" { Kind::Resource } else { Kind::Person }
    }
}

/// Whom an agent serves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Every user of the store, including users added later.
    All,
    /// These users only (`serve-agent --user`).
    Users(Vec<CalAddress>),
}

/// The served users and their kinds.
#[derive(Debug)]
pub struct Directory {
    scope: Scope,
    users: RwLock<BTreeMap<CalAddress, Kind>>,
}

impl Directory {
    /// An empty directory for a scope; call [`Directory::refresh`].
    pub fn new(scope: Scope) -> Directory {
        Directory { scope, users: RwLock::new(BTreeMap::new()) }
    }

    /// The scope.
    pub fn scope(&self) -> &Scope {
        &self.scope
    }

    fn read(&self) -> RwLockReadGuard<'_, BTreeMap<CalAddress, Kind>> {
        self.users.read().unwrap_or_else(|e| e.into_inner())
    }

    /// Replaces the known users with the store's `(uri, kind)` list,
    /// keeping those in scope. Returns whether anything changed.
    pub fn refresh(&self, store_users: &[(String, String)]) -> bool {
        let fresh: BTreeMap<CalAddress, Kind> = store_users
            .iter()
            .filter_map(|(u, k)| CalAddress::parse(u).map(|a| (a, Kind::from_store(k))))
            .filter(|(a, _)| match &self.scope {
                Scope::All => true,
                Scope::Users(list) => list.contains(a),
            })
            .collect();
        let mut w = self.users.write().unwrap_or_else(|e| e.into_inner());
        let changed = *w != fresh;
        *w = fresh;
        changed
    }

    /// The kind of a served user; `None` when the user is not served (or
    /// not in the store).
    pub fn kind(&self, user: &CalAddress) -> Option<Kind> {
        self.read().get(user).copied()
    }

    /// Users in scope missing from the store (for `--user` checks).
    pub fn missing(&self) -> Vec<CalAddress> {
        match &self.scope {
            Scope::All => Vec::new(),
            Scope::Users(list) => {
                let r = self.read();
                list.iter().filter(|u| !r.contains_key(u)).cloned().collect()
            }
        }
    }

    /// Every served user with its kind, in address order.
    pub fn served(&self) -> Vec<(CalAddress, Kind)> {
        self.read().iter().map(|(a, k)| (a.clone(), *k)).collect()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn users() -> Vec<(String, String)> {
        vec![
            ("mailto:alice@example.com".into(), "person".into()),
            ("mailto:room-1@example.com".into(), "resource".into()),
        ]
    }

    #[test]
    fn scope_filters_and_kinds() {
        let room = CalAddress::parse("room-1@example.com").unwrap();
        let all = Directory::new(Scope::All);
        assert!(all.refresh(&users()));
        assert!(!all.refresh(&users()));
        assert_eq!(all.kind(&room), Some(Kind::Resource));
        assert_eq!(all.served().len(), 2);
        let missing = CalAddress::parse("room-9@example.com").unwrap();
        let one = Directory::new(Scope::Users(vec![room.clone(), missing.clone()]));
        one.refresh(&users());
        assert_eq!(one.served(), vec![(room, Kind::Resource)]);
        assert_eq!(one.missing(), vec![missing]);
        assert_eq!(one.kind(&CalAddress::parse("alice@example.com").unwrap()), None);
    }
}
