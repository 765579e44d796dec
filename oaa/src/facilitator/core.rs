//! The facilitator as a sans-I/O state machine (reference §13.2).
//!
//! Performs no I/O. One owner (the server task) feeds it [`Input`]s —
//! connection opened, frame received, connection closed, time passed — and
//! carries out the [`Output`]s it returns. It never waits for an agent:
//! every delegated subrequest gets a facilitator-generated id and a
//! continuation, and replies, disconnects and timers resume the right one.
//! This file holds the state, the handshake and registry events; solving,
//! updates and timers live in sibling modules as further `impl Core` blocks.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::time::Instant;

use tracing::{debug, warn};

use super::registry::{AgentEntry, ConnId, Status};
use super::solve::{Request, Sub};
use super::timers::{TimeSched, Timer};
use super::update::Update;
use crate::icl::{Limits, Term};
use crate::logic::data::DataStore;
use crate::logic::trigger::{TriggerKind, TriggerStore};
use crate::protocol::handshake;
use crate::protocol::params::{get, get_bool};
use crate::protocol::solvable::Solvable;
use crate::protocol::{Msg, address, templates};
use crate::wire::{Charset, Envelope};

/// Static settings of a facilitator core.
#[derive(Clone, Debug)]
pub struct CoreConfig {
    /// Host written into addresses (the listening IP).
    pub host: String,
    /// Listening port, written into addresses.
    pub port: u16,
    /// Shared secret required as `password(P)` in `ev_connect`.
    pub secret: Option<String>,
    /// Offer UTF-8 to peers that ask for it.
    pub utf8: bool,
    /// Limits on received terms.
    pub limits: Limits,
}

impl Default for CoreConfig {
    fn default() -> Self {
        CoreConfig {
            host: "127.0.0.1".into(),
            port: 3378,
            secret: None,
            utf8: true,
            limits: Limits::default(),
        }
    }
}

/// Something that happened to the facilitator.
#[derive(Debug)]
pub enum Input {
    /// A connection was accepted.
    Opened(ConnId),
    /// A frame arrived and was decoded.
    Frame(ConnId, Envelope),
    /// A connection closed (or was dropped after an error).
    Closed(ConnId),
}

/// Something the facilitator wants done.
#[derive(Debug, PartialEq)]
pub enum Output {
    /// Send this event.
    Send(ConnId, Envelope),
    /// Encode later frames on this connection in `Charset`.
    SetCharset(ConnId, Charset),
    /// Close the connection after flushing what was sent.
    Close(ConnId),
}

/// The facilitator state machine.
pub struct Core {
    pub(super) cfg: CoreConfig,
    pub(super) agents: BTreeMap<ConnId, AgentEntry>,
    pub(super) fac_address: Term,
    pub(super) builtins: Vec<Solvable>,
    pub(super) data: DataStore,
    pub(super) triggers: TriggerStore,
    pub(super) time_sched: HashMap<u64, TimeSched>,
    pub(super) reqs: HashMap<u64, Request>,
    pub(super) subs: HashMap<i64, Sub>,
    pub(super) updates: HashMap<u64, Update>,
    pub(super) timers: BTreeSet<(Instant, Timer)>,
    pub(super) next_req: u64,
    pub(super) next_sub: i64,
    pub(super) out: Vec<Output>,
    pub(super) queue: VecDeque<super::solve::Done>,
    pub(super) in_trigger: bool,
    pub(super) now: Instant,
    pub(super) unix: f64,
}

fn info_entry(name: &str, v: Term) -> Term {
    Term::compound(name, vec![v])
}

impl Core {
    /// A facilitator with no agents.
    pub fn new(cfg: CoreConfig, now: Instant, unix: f64) -> Core {
        let fac_address = address::facilitator_address(&cfg.host, cfg.port);
        let builtins = super::builtins::solvables();
        Core {
            cfg,
            agents: BTreeMap::new(),
            fac_address,
            builtins,
            data: DataStore::new(),
            triggers: TriggerStore::new(),
            time_sched: HashMap::new(),
            reqs: HashMap::new(),
            subs: HashMap::new(),
            updates: HashMap::new(),
            timers: BTreeSet::new(),
            next_req: 1,
            next_sub: 1,
            out: Vec::new(),
            queue: VecDeque::new(),
            in_trigger: false,
            now,
            unix,
        }
    }

    /// The facilitator's own address `addr(tcp(Host,Port))`.
    pub fn address(&self) -> &Term {
        &self.fac_address
    }

    /// Number of connected agents.
    pub fn agent_count(&self) -> usize {
        self.agents.len()
    }

    /// Number of requests still waiting for answers.
    pub fn pending_requests(&self) -> usize {
        self.reqs.len()
    }

    /// When [`Core::tick`] must next be called, if ever.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.timers.first().map(|(t, _)| *t)
    }

    /// Processes one input at time `now` (`unix`: the same moment as Unix
    /// seconds, used by time triggers) and returns what to do.
    pub fn handle(&mut self, input: Input, now: Instant, unix: f64) -> Vec<Output> {
        self.now = now;
        self.unix = unix;
        match input {
            Input::Opened(c) => {
                let entry = AgentEntry::new(c, &self.cfg.host, self.cfg.port);
                self.agents.insert(c, entry);
            }
            Input::Frame(c, env) => self.frame(c, env),
            Input::Closed(c) => self.disconnect(c),
        }
        self.drain();
        std::mem::take(&mut self.out)
    }

    /// Runs timers due at `now`.
    pub fn tick(&mut self, now: Instant, unix: f64) -> Vec<Output> {
        self.now = now;
        self.unix = unix;
        self.run_timers();
        self.drain();
        std::mem::take(&mut self.out)
    }

    /// Queues an event for an agent, checking facilitator comm triggers.
    pub(super) fn send(&mut self, c: ConnId, msg: Msg) {
        let content = msg.to_term();
        if !self.in_trigger
            && self.has_triggers(TriggerKind::Comm)
            && let Some(a) = self.agents.get(&c)
        {
            let subject =
                Term::compound("event", vec![a.address.clone(), content.clone(), Term::nil()]);
            self.check_comm(&subject, "send");
        }
        self.out.push(Output::Send(c, Envelope::new(content)));
    }

    fn refuse(&mut self, c: ConnId, reason: &str) {
        warn!(conn = c, reason, "refusing connection");
        self.out.push(Output::Send(
            c,
            Envelope::new(Msg::ConnectRefused(Term::atom(reason)).to_term()),
        ));
        self.out.push(Output::Close(c));
        self.agents.remove(&c);
    }

    fn frame(&mut self, c: ConnId, env: Envelope) {
        let Some(agent) = self.agents.get(&c) else { return };
        let msg = Msg::from_term(&env.content);
        if !agent.handshaken {
            if let Msg::Connect(info) = msg {
                self.connect(c, info);
                return;
            }
            if self.cfg.secret.is_some() {
                // Clients may skip ev_connect, but then cannot present the
                // shared secret, so a protected facilitator refuses them.
                self.refuse(c, "password_required");
                return;
            }
            if let Some(a) = self.agents.get_mut(&c) {
                a.handshaken = true;
            }
        }
        if !self.in_trigger
            && self.has_triggers(TriggerKind::Comm)
            && let Some(a) = self.agents.get(&c)
        {
            let subject = Term::compound(
                "event",
                vec![a.address.clone(), env.content.clone(), Term::list(env.params.clone())],
            );
            self.check_comm(&subject, "receive");
        }
        match msg {
            Msg::Connect(info) => self.connect(c, info),
            Msg::Register { solvables, name, params, .. } => {
                self.register(c, solvables, name, &params)
            }
            Msg::Ready(name) => {
                if let Some(a) = self.agents.get_mut(&c) {
                    a.status = Status::Ready;
                    if name.functor().is_some() {
                        a.name = name;
                    }
                }
            }
            Msg::PostDeclare { mode, solvables, params } => {
                self.post_declare(c, &mode, solvables, &params)
            }
            Msg::Solve { id, goal, params } => self.client_solve(c, id, goal, params),
            Msg::Solved { id, solutions, .. } => self.provider_solved(c, &id, solutions),
            Msg::UpdateData { id, mode, clause, params } => {
                self.update_data(c, id, mode, clause, params)
            }
            Msg::DataUpdated { id, updaters, .. } => {
                self.holder_replied(c, &id, !updaters.is_empty())
            }
            Msg::UpdateTrigger { id, mode, kind, cond, action, params } => {
                self.update_trigger(c, id, mode, kind, cond, action, params)
            }
            Msg::TriggerUpdated { id, updaters, .. } => {
                self.holder_replied(c, &id, !updaters.is_empty())
            }
            Msg::PostEvent { target, event } => self.post_event(c, target, event),
            Msg::Heartbeat(args) => self.send(c, Msg::HeartbeatReply(args)),
            Msg::HeartbeatReply(_) | Msg::Connected(_) | Msg::ConnectRefused(_) => {}
            Msg::AgentLeft(_) => {}
            Msg::Other(t) => debug!(conn = c, event = %t, "ignoring unknown event"),
        }
    }

    fn connect(&mut self, c: ConnId, info: Vec<Term>) {
        if let Some(secret) = &self.cfg.secret {
            let given = get(&info, "password");
            let ok = given.as_ref().and_then(Term::as_atom) == Some(secret.as_str());
            if !ok {
                let reason = if given.is_some() { "bad_password" } else { "password_required" };
                self.refuse(c, reason);
                return;
            }
        }
        let name = get(&info, "other_name").unwrap_or_else(|| Term::atom("unknown"));
        if let Some(policy) = get(&info, "unique_name").as_ref().and_then(Term::as_atom) {
            let clash: Vec<ConnId> = self
                .agents
                .values()
                .filter(|a| a.id != c && a.handshaken && a.name == name)
                .map(|a| a.id)
                .collect();
            if !clash.is_empty() {
                match policy {
                    "keep_new" => {
                        for old in clash {
                            self.out.push(Output::Close(old));
                            self.disconnect(old);
                        }
                    }
                    "true" | "keep_old" => {
                        self.refuse(c, "name_in_use");
                        return;
                    }
                    _ => {}
                }
            }
        }
        let utf8 = self.cfg.utf8 && handshake::wants_utf8(&info);
        let Some(a) = self.agents.get_mut(&c) else { return };
        a.handshaken = true;
        a.name = name;
        a.features = handshake::features(&info);
        a.info = info;
        let mut reply = vec![
            info_entry("oaa_address", a.address.clone()),
            info_entry("other_address", self.fac_address.clone()),
            info_entry("other_id", Term::Int(0)),
            info_entry("other_type", Term::atom("facilitator")),
            info_entry("other_name", Term::atom("root")),
            info_entry("other_language", Term::atom("rust")),
            info_entry("other_version", handshake::version_term()),
            info_entry("other_dialect", Term::atom("rust_oaa")),
            info_entry("format", Term::atom("default")),
        ];
        reply.extend(handshake::extension_entries(utf8));
        self.send(c, Msg::Connected(reply));
        if utf8 {
            if let Some(a) = self.agents.get_mut(&c) {
                a.charset = Charset::Utf8;
            }
            self.out.push(Output::SetCharset(c, Charset::Utf8));
        }
    }

    fn register(&mut self, c: ConnId, solvables: Vec<Term>, name: Term, params: &[Term]) {
        let parsed = parse_solvables(&solvables);
        let overwrite = get(params, "if_exists").as_ref().and_then(Term::as_atom) != Some("append");
        let Some(a) = self.agents.get_mut(&c) else { return };
        if name.functor().is_some() && !name.is("unknown", 0) {
            a.name = name;
        }
        if overwrite {
            templates::overwrite(&mut a.solvables, parsed);
        } else {
            a.solvables.extend(parsed);
        }
    }

    fn post_declare(&mut self, c: ConnId, mode: &Term, solvables: Vec<Term>, params: &[Term]) {
        let on_facilitator = get(params, "address")
            .is_some_and(|a| address::classify(&a) == address::AddressRef::Facilitator);
        let mode = mode.as_atom().unwrap_or("add");
        let (old, new): (Vec<Solvable>, Vec<Solvable>) = match mode {
            "replace" => {
                let mut it = solvables.iter();
                let old =
                    it.next().map(|t| parse_solvables(&crate::protocol::params::list_items(t)));
                let new =
                    it.next().map(|t| parse_solvables(&crate::protocol::params::list_items(t)));
                (old.unwrap_or_default(), new.unwrap_or_default())
            }
            "remove" => (parse_solvables(&solvables), Vec::new()),
            _ => (Vec::new(), parse_solvables(&solvables)),
        };
        if on_facilitator {
            for s in &old {
                self.data.undeclare(&s.template);
            }
            // Blackboards: data solvables held by the facilitator, which
            // every client may read and write.
            self.data.declare_all(new);
            return;
        }
        let Some(a) = self.agents.get_mut(&c) else { return };
        templates::remove(&mut a.solvables, old.iter().map(|s| &s.template));
        templates::overwrite(&mut a.solvables, new);
    }

    fn post_event(&mut self, c: ConnId, target: Option<Term>, event: Term) {
        let from = self.agents.get(&c).map(|a| a.address.clone());
        let params = from.map(|f| vec![info_entry("from", f)]).unwrap_or_default();
        let targets: Vec<ConnId> = match &target {
            Some(t) => self.resolve_addresses(&crate::protocol::params::list_items(t), Some(c)),
            None => self.agents.keys().copied().filter(|&k| k != c).collect(),
        };
        for t in targets {
            if t > 0 {
                self.out.push(Output::Send(
                    t,
                    Envelope { content: event.clone(), params: params.clone() },
                ));
            }
        }
    }

    fn disconnect(&mut self, c: ConnId) {
        let Some(agent) = self.agents.remove(&c) else { return };
        debug!(conn = c, "agent left");
        self.fail_provider(c);
        self.cancel_requester(c);
        self.updates_lost(c);
        let addr = agent.address;
        let changes = self.data.remove_owned_by(&addr);
        self.data_changed(changes);
        let n = self.triggers.remove_owned_by(&addr);
        if n > 0 {
            self.time_sched.retain(|id, _| self.triggers.triggers().iter().any(|t| t.id == *id));
        }
        let notify: Vec<ConnId> = self
            .agents
            .values()
            .filter(|a| a.features.iter().any(|f| f == "agent_left"))
            .map(|a| a.id)
            .collect();
        for n in notify {
            self.send(n, Msg::AgentLeft(addr.clone()));
        }
    }

    /// Maps address terms to connection ids (0 stands for the facilitator).
    pub(super) fn resolve_addresses(
        &self,
        addrs: &[Term],
        requester: Option<ConnId>,
    ) -> Vec<ConnId> {
        use address::AddressRef;
        let mut out = Vec::new();
        for a in addrs {
            match address::classify(a) {
                AddressRef::Facilitator => out.push(0),
                AddressRef::Myself => out.extend(requester),
                AddressRef::Id(i) => {
                    if self.agents.contains_key(&i) {
                        out.push(i)
                    }
                }
                AddressRef::Name(n) => out.extend(
                    self.agents
                        .values()
                        .filter(|x| x.name.as_atom() == Some(n.as_str()))
                        .map(|x| x.id),
                ),
                AddressRef::Unknown => {}
            }
        }
        let mut seen = BTreeSet::new();
        out.retain(|x| seen.insert(*x));
        out
    }

    /// The address of a connection, or the facilitator's for 0.
    pub(super) fn address_of(&self, c: ConnId) -> Term {
        if c == 0 {
            return self.fac_address.clone();
        }
        self.agents.get(&c).map_or_else(|| self.fac_address.clone(), |a| a.address.clone())
    }

    pub(super) fn has_triggers(&self, kind: TriggerKind) -> bool {
        self.triggers.triggers().iter().any(|t| t.kind == kind)
    }

    fn check_comm(&mut self, subject: &Term, op: &str) {
        let fired = self.triggers.fire(TriggerKind::Comm, subject, op, &self.data);
        self.run_actions(fired);
    }

    /// True when `params` ask for no reply.
    pub(super) fn no_reply(params: &[Term]) -> bool {
        matches!(get(params, "reply").as_ref().and_then(Term::as_atom), Some("none" | "false"))
            || !get_bool(params, "reply", true)
    }
}

/// Reads solvable declarations, skipping bad and private ones.
pub(super) fn parse_solvables(terms: &[Term]) -> Vec<Solvable> {
    terms
        .iter()
        .filter_map(|t| match Solvable::from_term(t) {
            Ok(s) => Some(s),
            Err(e) => {
                warn!(error = %e, "ignoring solvable");
                None
            }
        })
        .filter(|s| !s.private)
        .collect()
}
