//! The state one calendar agent process shares between its handlers, its
//! change poller and its connection loop. Performs I/O through
//! [`Backend`] (store reads).

use super::access::Requesters;
use super::backend::Backend;
use super::booking::MailPolicy;
use super::changes::Stamps;
use super::convert::parse_user;
use super::directory::{Directory, Kind, Scope};
use super::fbcache::FreeBusyCache;
use crate::address::CalAddress;
use crate::error::InfraResult;
use oaa::icl::Term;

/// How the agent behaves.
#[derive(Debug, Clone)]
pub struct Options {
    /// Messages bookings send.
    pub mail: MailPolicy,
    /// Bookings only from an agent named after the organiser.
    pub verify_organizer: bool,
}

/// Everything the handlers need.
pub struct Service {
    /// Store and environment.
    pub backend: Backend,
    /// Served users.
    pub directory: Directory,
    /// Requester names.
    pub requesters: Requesters,
    /// Behaviour.
    pub options: Options,
    /// Change stamps already told to subscribers.
    pub stamps: Stamps,
    /// Resources' free/busy answers, checked against the store per request.
    pub fb_cache: FreeBusyCache,
}

impl Service {
    /// A service over an opened backend.
    pub fn new(backend: Backend, scope: Scope, options: Options) -> Service {
        let fb_cache = FreeBusyCache::new(crate::store::change_probe(&backend.config().store));
        Service {
            fb_cache,
            backend,
            directory: Directory::new(scope),
            requesters: Requesters::default(),
            options,
            stamps: Stamps::default(),
        }
    }

    /// Re-reads the store's users into the directory.
    pub fn refresh_directory(&self) -> InfraResult<bool> {
        let users = self.backend.read(|_, tx| tx.users())?;
        Ok(self.directory.refresh(&users))
    }

    /// The served user an argument names, with its kind. A user unknown
    /// to the directory makes it re-read the store once (a mail agent may
    /// have just created the user).
    pub fn user(&self, arg: &Term) -> Option<(CalAddress, Kind)> {
        let user = parse_user(arg)?;
        if let Some(k) = self.directory.kind(&user) {
            return Some((user, k));
        }
        match self.refresh_directory() {
            Ok(true) => self.directory.kind(&user).map(|k| (user, k)),
            _ => None,
        }
    }
}
