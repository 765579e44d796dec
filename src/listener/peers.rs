//! The cap on concurrent connections per peer address, so that one peer
//! cannot take every connection slot. TCP peers are counted by IPv4
//! address, or by IPv6 /64 network (one host usually has a whole /64 to
//! pick addresses from); clients of a Unix socket are not counted (the
//! socket's permissions decide who connects). No I/O.

use crate::mail::Arrival;
use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr};
use std::sync::{Arc, Mutex};

/// Connections open per peer.
#[derive(Debug)]
pub struct Peers {
    max: usize,
    open: Mutex<HashMap<IpAddr, usize>>,
}

/// A peer's share of the count; released when dropped.
#[derive(Debug)]
pub struct PeerSlot {
    peers: Arc<Peers>,
    key: Option<IpAddr>,
}

impl Drop for PeerSlot {
    fn drop(&mut self) {
        let Some(key) = self.key else { return };
        if let Ok(mut open) = self.peers.open.lock()
            && let Some(n) = open.get_mut(&key)
        {
            *n = n.saturating_sub(1);
            if *n == 0 {
                // Forget the peer: the map holds only peers now connected.
                open.remove(&key);
            }
        }
    }
}

impl Peers {
    /// At most `max` connections per peer.
    pub fn new(max: usize) -> Arc<Peers> {
        Arc::new(Peers { max, open: Mutex::new(HashMap::new()) })
    }

    /// The cap.
    pub fn max(&self) -> usize {
        self.max
    }

    /// Counts a new connection in, or `None` when its peer already has
    /// `max` connections open.
    pub fn admit(self: &Arc<Self>, arrival: &Arrival) -> Option<PeerSlot> {
        let key = match arrival {
            Arrival::Tcp(addr) => Some(peer_key(addr.ip())),
            Arrival::Unix | Arrival::Pipe => None,
        };
        if let Some(k) = key {
            // A poisoned lock means a panic while counting: admit rather
            // than refuse everybody from now on.
            if let Ok(mut open) = self.open.lock() {
                let n = open.entry(k).or_insert(0);
                if *n >= self.max {
                    return None;
                }
                *n += 1;
            }
        }
        Some(PeerSlot { peers: self.clone(), key })
    }
}

/// The address a peer is counted by.
fn peer_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn tcp(a: &str) -> Arrival {
        Arrival::Tcp(a.parse().unwrap())
    }

    #[test]
    fn a_peer_gets_at_most_its_share_and_gets_it_back() {
        let peers = Peers::new(2);
        let a = peers.admit(&tcp("192.0.2.1:1000")).unwrap();
        let _b = peers.admit(&tcp("192.0.2.1:1001")).unwrap();
        assert!(peers.admit(&tcp("192.0.2.1:1002")).is_none());
        // Another peer is not affected.
        assert!(peers.admit(&tcp("192.0.2.2:1000")).is_some());
        drop(a);
        assert!(peers.admit(&tcp("192.0.2.1:1003")).is_some());
        // Unix socket clients are not counted.
        let unix: Vec<_> = (0..5).map(|_| peers.admit(&Arrival::Unix).unwrap()).collect();
        assert_eq!(unix.len(), 5);
    }

    #[test]
    fn ipv6_peers_are_counted_by_their_64_and_mapped_ipv4_as_ipv4() {
        let peers = Peers::new(1);
        let _a = peers.admit(&tcp("[2001:db8:1:2::1]:25")).unwrap();
        assert!(peers.admit(&tcp("[2001:db8:1:2:ffff::9]:25")).is_none());
        assert!(peers.admit(&tcp("[2001:db8:1:3::1]:25")).is_some());
        let _v4 = peers.admit(&tcp("192.0.2.1:25")).unwrap();
        assert!(peers.admit(&tcp("[::ffff:192.0.2.1]:25")).is_none());
    }

    #[test]
    fn released_peers_are_forgotten() {
        let peers = Peers::new(3);
        let slots: Vec<_> =
            (0..100).map(|i| peers.admit(&tcp(&format!("10.0.0.{i}:1"))).unwrap()).collect();
        assert_eq!(peers.open.lock().unwrap().len(), 100);
        drop(slots);
        assert!(peers.open.lock().unwrap().is_empty());
    }
}
