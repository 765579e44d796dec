//! `imip_admin` subcommands. Each opens the store, does one thing in one
//! transaction and prints text or JSON. Performs I/O.

use super::output::render;
use crate::address::CalAddress;
use crate::agent::busy::{expand_for, extend_user};
use crate::agent::prefs as agent_prefs;
use crate::cli::exit;
use crate::clock::parse_instant;
use crate::config::Config;
use crate::config::prefs::{SPECS, validate};
use crate::error::InfraError;
use crate::freebusy::{FbSet, publish_object};
use crate::ical::datetime::format_utc;
use crate::ical::{Method, Object, build_calendar};
use crate::runtime::Runtime;
use crate::store::{ObjectStatus, RunFilter, Store};
use chrono::{DateTime, Duration, Utc};
use clap::{Parser, Subcommand};
use serde::Serialize;
use std::path::PathBuf;
use std::process::ExitCode;

/// Administration of imip-agent stores.
#[derive(Debug, Parser)]
#[command(
    name = "imip_admin",
    version,
    about = "Administer imip-agent: users, preferences, schedules, periodic jobs and run records."
)]
pub struct AdminArgs {
    /// Configuration file (default search: $IMIP_AGENT_CONFIG, ./imip-agent.toml, /etc/imip-agent/config.toml).
    #[arg(short = 'c', long = "config", global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// The store (SQLite database file); overrides the configuration.
    #[arg(short = 'S', long = "store", global = true, value_name = "STORE")]
    pub store: Option<PathBuf>,
    /// Read preferences from an imip-agent preferences directory instead of the store.
    #[arg(short = 'p', long = "preferences-dir", global = true, value_name = "DIR")]
    pub preferences_dir: Option<PathBuf>,
    /// Print JSON instead of text.
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Manage users (created automatically by the agents on first use).
    #[command(subcommand)]
    User(UserCmd),
    /// Get, set, unset or list a user's preferences.
    #[command(subcommand)]
    Prefs(PrefsCmd),
    /// List a user's stored events and occurrences.
    Events {
        /// The user (address or mailto: URI).
        user: String,
        /// Include cancelled events.
        #[arg(long)]
        all: bool,
    },
    /// Print a user's stored copy of an event as iCalendar (the whole
    /// event and every occurrence stored on its own).
    Show {
        /// The user.
        user: String,
        /// The event's UID.
        uid: String,
    },
    /// List a user's busy periods.
    Freebusy {
        /// The user.
        user: String,
        /// Only periods ending after this (YYYYMMDDTHHMMSSZ or RFC 3339).
        #[arg(long)]
        from: Option<String>,
        /// Only periods starting before this.
        #[arg(long)]
        to: Option<String>,
        /// Which collection: own (default), offers, or the address of another participant.
        #[arg(long, default_value = "own")]
        set: String,
    },
    /// Print a VFREEBUSY (METHOD:PUBLISH) of a user's busy time in a window.
    Vfreebusy {
        /// The user.
        user: String,
        /// Window start (default: now).
        #[arg(long)]
        from: Option<String>,
        /// Window end (default: start + the user's window_size days).
        #[arg(long)]
        to: Option<String>,
    },
    /// Extend open-ended recurrences up to each user's window and purge
    /// expired offers (the job of imip-agent's make_freebusy cron).
    Extend {
        /// Only this user.
        #[arg(long)]
        user: Option<String>,
    },
    /// List run records (after Lotus Domino's agent log).
    Runs {
        /// Only this program (imip_person, imip_person_outgoing, imip_resource).
        #[arg(long)]
        program: Option<String>,
        /// Only runs since (YYYYMMDDTHHMMSSZ or RFC 3339).
        #[arg(long)]
        since: Option<String>,
        /// Only runs with this exit status.
        #[arg(long)]
        status: Option<i32>,
        /// Only runs whose Message-ID contains this.
        #[arg(long = "message-id")]
        message_id: Option<String>,
        /// Only runs for this recipient.
        #[arg(long)]
        recipient: Option<String>,
        /// At most this many.
        #[arg(long, default_value_t = 50)]
        limit: usize,
        /// Show the log lines too.
        #[arg(long)]
        verbose: bool,
        /// Remove records older than this many days instead of listing.
        #[arg(long = "prune-days")]
        prune_days: Option<i64>,
    },
    /// Quotas: limits, group mappings, delegates, expiry of past reservations.
    #[command(subcommand)]
    Quota(super::policy_cmds::QuotaCmd),
    /// Resource pools: one address for interchangeable resources.
    #[command(subcommand)]
    Pool(super::policy_cmds::PoolCmd),
    /// Bookings held for the owner's approval.
    #[command(subcommand)]
    Approvals(super::policy_cmds::ApprovalsCmd),
    /// Serve the store's calendars to an OAA facilitator as solvables
    /// (free/busy, events, bookings, petitions, change triggers); runs until
    /// SIGTERM. See docs/oaa-calendar.md.
    ServeAgent(crate::oaa_agents::ServeArgs),
    #[command(flatten)]
    Schedule(super::scheduling_cmds::ScheduleCmd),
    /// Check the configuration, the store (schema, file ownership), every
    /// user's preferences and policy chain, the publishing directory and
    /// the transports; one line per problem, exit 1 when there is any.
    Check,
    /// Show the configuration.
    #[command(subcommand)]
    Config(ConfigCmd),
    /// Write the published free/busy of a user (or of every user whose
    /// preferences ask for publishing) now.
    Publish {
        /// Only this user.
        user: Option<String>,
    },
    /// List a resource's scheduling decisions with their reasons.
    Decisions {
        /// The resource.
        resource: String,
        /// At most this many.
        #[arg(long, default_value_t = 50)]
        limit: usize,
    },
}

#[derive(Debug, Subcommand)]
enum ConfigCmd {
    /// Print the effective configuration as TOML (after the file, the
    /// search order and -S/-p).
    Show {
        /// Only the settings that differ from the built-in defaults.
        #[arg(short = 'n', long = "non-default")]
        non_default: bool,
    },
}

#[derive(Debug, Subcommand)]
enum UserCmd {
    /// Create a user (kind: person or resource).
    Add {
        /// The user.
        user: String,
        /// person or resource.
        #[arg(long, default_value = "person")]
        kind: String,
    },
    /// List users.
    List,
    /// Delete a user and everything stored for them.
    Remove {
        /// The user.
        user: String,
    },
}

#[derive(Debug, Subcommand)]
enum PrefsCmd {
    /// Print one preference's effective value.
    Get {
        /// The user.
        user: String,
        /// The preference name.
        name: String,
    },
    /// Set a preference (validated for the names the agents read).
    Set {
        /// The user.
        user: String,
        /// The preference name.
        name: String,
        /// The value (a multi-line value such as scheduling_function may use \n).
        value: String,
        /// Store a name the agents do not read (for another program).
        #[arg(long)]
        force: bool,
    },
    /// Remove a user's own value (the default applies again).
    Unset {
        /// The user.
        user: String,
        /// The preference name.
        name: String,
    },
    /// List effective preferences and where each comes from.
    List {
        /// The user.
        user: String,
    },
    /// Describe every preference the agents read.
    Describe,
}

/// Runs the tool. Exit statuses: 0 done; 1 `check` found problems; 64
/// usage (a bad argument or value); 67 no such user; 75 the store or a
/// transport failed (try again); 77 refused to run as root on another
/// user's store; 78 the configuration cannot be used.
pub fn main() -> ExitCode {
    imip_ops::log::init("imip_admin", &imip_ops::log::Settings::default());
    let args = match AdminArgs::try_parse() {
        Ok(a) => a,
        Err(e) => {
            let code = match e.kind() {
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => {
                    exit::OK
                }
                _ => exit::USAGE,
            };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match run(&args) {
        Ok(out) => {
            print!("{out}");
            ExitCode::from(exit::OK)
        }
        Err(AdminError::Usage(m)) => {
            eprintln!("imip_admin: {m}");
            ExitCode::from(exit::USAGE)
        }
        Err(AdminError::Refused(m)) => {
            eprintln!("imip_admin: {m}");
            ExitCode::from(exit::DATAERR)
        }
        Err(AdminError::NotFound(m)) => {
            eprintln!("imip_admin: {m}");
            ExitCode::from(exit::NOUSER)
        }
        Err(AdminError::Config(m)) => {
            eprintln!("imip_admin: {m}");
            ExitCode::from(exit::CONFIG)
        }
        Err(AdminError::NoPerm(m)) => {
            eprintln!("imip_admin: {m}");
            ExitCode::from(NOPERM)
        }
        Err(AdminError::Problems(out)) => {
            print!("{out}");
            ExitCode::from(1)
        }
        Err(AdminError::Infra(e)) => {
            eprintln!("imip_admin: {e}");
            ExitCode::from(exit::TEMPFAIL)
        }
    }
}

/// EX_NOPERM (sysexits.h).
const NOPERM: u8 = 77;

enum AdminError {
    Usage(String),
    Refused(String),
    NotFound(String),
    Config(String),
    NoPerm(String),
    /// `check` found problems: its report.
    Problems(String),
    Infra(InfraError),
}

impl From<super::scheduling_cmds::Failure> for AdminError {
    fn from(f: super::scheduling_cmds::Failure) -> Self {
        use super::scheduling_cmds::Failure;
        match f {
            Failure::Usage(m) => AdminError::Usage(m),
            Failure::Refused(m) => AdminError::Refused(m),
            Failure::Infra(e) => AdminError::Infra(e),
        }
    }
}

impl From<InfraError> for AdminError {
    fn from(e: InfraError) -> Self {
        match e {
            InfraError::Config(m) => AdminError::Config(m),
            e => AdminError::Infra(e),
        }
    }
}

/// Errors of the policy commands: what they call a configuration error is
/// a bad argument (`quota set-limit q g 10h`), a usage error.
fn policy_error(e: InfraError) -> AdminError {
    match e {
        InfraError::Config(m) => AdminError::Usage(m),
        e => AdminError::Infra(e),
    }
}

/// Text, or with --json an object.
fn said(json: bool, text: String, value: serde_json::Value) -> String {
    if json { format!("{value}\n") } else { text }
}

/// Whether a command only reads the store (and so must not create one).
fn reads_only(c: &Command) -> bool {
    use super::policy_cmds::{ApprovalsCmd, PoolCmd, QuotaCmd};
    matches!(
        c,
        Command::User(UserCmd::List)
            | Command::Prefs(PrefsCmd::Get { .. } | PrefsCmd::List { .. })
            | Command::Events { .. }
            | Command::Freebusy { .. }
            | Command::Vfreebusy { .. }
            | Command::Decisions { .. }
            | Command::Quota(QuotaCmd::Show { .. })
            | Command::Pool(PoolCmd::Show { .. })
            | Command::Approvals(ApprovalsCmd::List { .. })
    ) || matches!(c, Command::Runs { prune_days: None, .. })
}

/// As root, on a store another user owns, every file SQLite creates (its
/// -wal and -shm) would be root's and lock the agents out: refuse.
fn refuse_root_on_others_store(cfg: &Config) -> Result<(), AdminError> {
    use std::os::unix::fs::MetadataExt;
    if cfg.store.kind != "sqlite" || !rustix::process::geteuid().is_root() {
        return Ok(());
    }
    let path = std::path::Path::new(&cfg.store.path);
    let owner = std::fs::metadata(path)
        .or_else(|_| std::fs::metadata(path.parent().unwrap_or(path)))
        .map(|m| m.uid())
        .unwrap_or(0);
    if owner != 0 {
        return Err(AdminError::NoPerm(format!(
            "refusing to run as root on {}, which belongs to uid {owner}: files root creates there lock the agents out; run as the store's owner, e.g. sudo -u imip-agent imip_admin …",
            cfg.store.path
        )));
    }
    Ok(())
}

fn user_uri(s: &str) -> Result<String, AdminError> {
    CalAddress::parse(s)
        .map(|a| a.to_string())
        .ok_or_else(|| AdminError::Usage(format!("{s:?} is not an address")))
}

fn instant(s: &Option<String>) -> Result<Option<DateTime<Utc>>, AdminError> {
    match s {
        None => Ok(None),
        Some(t) => parse_instant(t).map(Some).ok_or_else(|| {
            AdminError::Usage(format!("{t:?} is not a time (use YYYYMMDDTHHMMSSZ)"))
        }),
    }
}

#[derive(Serialize)]
struct EventRow {
    uid: String,
    recurrence_id: String,
    status: String,
    summary: String,
    organizer: String,
    start: String,
    end: String,
    partstat: String,
    recurring: bool,
}

#[derive(Serialize)]
struct PeriodRow {
    start: String,
    end: String,
    uid: String,
    recurrence_id: String,
    transp: String,
    summary: String,
    organizer: String,
    expires: Option<String>,
}

#[derive(Serialize)]
struct PrefRow {
    name: String,
    value: String,
    source: String,
}

fn run(args: &AdminArgs) -> Result<String, AdminError> {
    let (mut cfg, _) = Config::load(args.config.as_deref())?;
    if let Some(s) = &args.store {
        cfg.store.path = s.display().to_string();
    }
    if let Some(p) = &args.preferences_dir {
        cfg.paths.preferences_dir = p.display().to_string();
    }
    let json = args.json;
    match &args.command {
        Command::Config(ConfigCmd::Show { non_default }) => {
            return super::config_show::show(&cfg, *non_default).map_err(AdminError::Config);
        }
        Command::Check => {
            let r = super::check::check(&cfg);
            let text = if json {
                serde_json::json!({ "errors": r.errors, "lines": r.lines }).to_string() + "\n"
            } else {
                r.lines.iter().map(|l| format!("{l}\n")).collect()
            };
            return if r.errors > 0 { Err(AdminError::Problems(text)) } else { Ok(text) };
        }
        _ => {}
    }
    refuse_root_on_others_store(&cfg)?;
    let rt = Runtime::new(cfg)?;
    let env = rt.env();
    let mut store = if reads_only(&args.command) {
        crate::store::open_existing(&rt.config.store)?
    } else {
        rt.open_store()?
    };
    let now = env.clock.now();
    match &args.command {
        Command::Check | Command::Config(_) => Ok(String::new()),
        Command::Publish { user } => {
            let users: Vec<String> = match user {
                Some(u) => vec![user_uri(u)?],
                None => store.read()?.users()?.into_iter().map(|(u, _)| u).collect(),
            };
            let mut rows = Vec::new();
            for u in users {
                let Some(a) = CalAddress::parse(&u) else { continue };
                let written = crate::agent::publish::publish(&env, store.as_mut(), &a)?;
                rows.push(serde_json::json!({ "user": u, "published": written }));
            }
            Ok(render(json, &rows, |r| {
                format!(
                    "{}: {}",
                    r["user"].as_str().unwrap_or(""),
                    if r["published"] == true {
                        "published"
                    } else {
                        "not published (freebusy_sharing and freebusy_publishing are not both on)"
                    }
                )
            }))
        }
        Command::User(UserCmd::Add { user, kind }) => {
            if !matches!(kind.as_str(), "person" | "resource") {
                return Err(AdminError::Usage("kind must be person or resource".into()));
            }
            let u = user_uri(user)?;
            let mut tx = store.write()?;
            tx.ensure_user(&u, kind, now)?;
            tx.commit()?;
            Ok(said(
                json,
                format!("{u} ({kind})\n"),
                serde_json::json!({ "user": u, "kind": kind }),
            ))
        }
        Command::User(UserCmd::List) => {
            let tx = store.read()?;
            let users = tx.users()?;
            #[derive(Serialize)]
            struct U {
                user: String,
                kind: String,
            }
            let rows: Vec<U> = users.into_iter().map(|(user, kind)| U { user, kind }).collect();
            Ok(render(json, &rows, |u| format!("{}\t{}", u.user, u.kind)))
        }
        Command::User(UserCmd::Remove { user }) => {
            let u = user_uri(user)?;
            let mut tx = store.write()?;
            if !tx.users()?.iter().any(|(x, _)| *x == u) {
                return Err(AdminError::NotFound(format!("no user {u} in the store")));
            }
            tx.delete_user(&u)?;
            tx.commit()?;
            Ok(said(json, format!("removed {u}\n"), serde_json::json!({ "removed": u })))
        }
        Command::Prefs(PrefsCmd::Get { user, name }) => {
            let u = user_uri(user)?;
            let tx = store.read()?;
            let p = agent_prefs::load(&env, tx.as_ref(), &u)?;
            let v = p.get(name).map(str::to_string);
            Ok(said(
                json,
                v.as_ref().map(|v| format!("{v}\n")).unwrap_or_default(),
                serde_json::json!({ "user": u, "name": name, "value": v }),
            ))
        }
        Command::Prefs(PrefsCmd::Set { user, name, value, force }) => {
            if !rt.config.paths.preferences_dir.is_empty() {
                return Err(AdminError::Usage(
                    "preferences come from a directory (-p); edit the files there".into(),
                ));
            }
            let u = user_uri(user)?;
            let value = value.replace("\\n", "\n");
            if *force {
                validate(name, &value).map_err(|e| AdminError::Usage(format!("{name}: {e}")))?;
            } else {
                super::suggest::check_pref(name, &value).map_err(AdminError::Usage)?;
            }
            let mut tx = store.write()?;
            tx.ensure_user(&u, "", now)?;
            tx.set_pref(&u, name, &value)?;
            tx.commit()?;
            Ok(said(
                json,
                String::new(),
                serde_json::json!({ "user": u, "name": name, "value": value }),
            ))
        }
        Command::Prefs(PrefsCmd::Unset { user, name }) => {
            let u = user_uri(user)?;
            let mut tx = store.write()?;
            let had = tx.unset_pref(&u, name)?;
            tx.commit()?;
            Ok(said(
                json,
                if had { String::new() } else { format!("{name} was not set for {u}\n") },
                serde_json::json!({ "user": u, "name": name, "was_set": had }),
            ))
        }
        Command::Prefs(PrefsCmd::List { user }) => {
            let u = user_uri(user)?;
            let tx = store.read()?;
            let own = env.prefs.user_values(tx.as_ref(), &u)?;
            let p = agent_prefs::load(&env, tx.as_ref(), &u)?;
            let mut rows: Vec<PrefRow> = Vec::new();
            for (k, v) in p.all() {
                let source = if own.iter().any(|(n, _)| n == k) {
                    "user"
                } else if rt.config.defaults.contains_key(k) {
                    "organisation"
                } else {
                    "default"
                };
                rows.push(PrefRow { name: k.clone(), value: v.clone(), source: source.into() });
            }
            for (k, v) in &own {
                if !rows.iter().any(|r| &r.name == k) {
                    rows.push(PrefRow {
                        name: k.clone(),
                        value: v.clone(),
                        source: "user (invalid, ignored)".into(),
                    });
                }
            }
            // imip-agent's web-form key, migrated with the preferences: not
            // for terminals and logs.
            for r in rows.iter_mut().filter(|r| r.name == "secret") {
                r.value = "(hidden)".into();
            }
            Ok(render(json, &rows, |r| format!("{} = {:?} ({})", r.name, r.value, r.source)))
        }
        Command::Prefs(PrefsCmd::Describe) => {
            #[derive(Serialize)]
            struct D {
                name: &'static str,
                default: &'static str,
                doc: &'static str,
            }
            let rows: Vec<D> =
                SPECS.iter().map(|s| D { name: s.name, default: s.default, doc: s.doc }).collect();
            Ok(render(json, &rows, |d| format!("{} (default {:?}): {}", d.name, d.default, d.doc)))
        }
        Command::Events { user, all } => {
            let u = user_uri(user)?;
            let addr = CalAddress::parse(&u);
            let tx = store.read()?;
            let p = agent_prefs::load(&env, tx.as_ref(), &u)?;
            let status = if *all { None } else { Some(ObjectStatus::Active) };
            let mut rows = Vec::new();
            for s in tx.list_objects(&u, status)? {
                let Some(o) = Object::from_stored(&s.text) else { continue };
                let (e, _) = expand_for(&env, &p, &o);
                let first = e.occurrences.first();
                rows.push(EventRow {
                    uid: s.uid.clone(),
                    recurrence_id: s.instance.key().to_string(),
                    status: s.status.as_str().into(),
                    summary: o.summary().unwrap_or_default(),
                    organizer: o.organizer().map(|x| x.address.to_string()).unwrap_or_default(),
                    start: first.map(|f| format_utc(&f.start)).unwrap_or_default(),
                    end: first.map(|f| format_utc(&f.end)).unwrap_or_default(),
                    partstat: addr
                        .as_ref()
                        .and_then(|a| o.attendee(a))
                        .and_then(|a| a.partstat)
                        .map(|s| s.to_string())
                        .unwrap_or_default(),
                    recurring: o.is_recurring(),
                });
            }
            Ok(render(json, &rows, |r| {
                format!(
                    "{}{}\t{}\t{} - {}\t{}\t{}{}\t{}",
                    r.uid,
                    if r.recurrence_id.is_empty() {
                        String::new()
                    } else {
                        format!(" [{}]", r.recurrence_id)
                    },
                    r.status,
                    r.start,
                    r.end,
                    r.partstat,
                    r.summary,
                    if r.recurring { " (recurring)" } else { "" },
                    r.organizer
                )
            }))
        }
        Command::Show { user, uid } => {
            let u = user_uri(user)?;
            let tx = store.read()?;
            let mut stored = tx.occurrences(&u, uid)?;
            if let Some(m) = tx.object(&u, uid, &crate::ical::Instance::Master)? {
                stored.insert(0, m);
            }
            if stored.is_empty() {
                return Err(AdminError::Refused(format!("no event {uid} is stored for {u}")));
            }
            #[derive(Serialize)]
            struct S {
                recurrence_id: String,
                status: String,
                ics: String,
            }
            let rows: Vec<S> = stored
                .into_iter()
                .map(|s| S {
                    recurrence_id: s.instance.key().to_string(),
                    status: s.status.as_str().into(),
                    ics: crate::ical::unfold(&s.text).replace("\r\n", "\n"),
                })
                .collect();
            Ok(render(json, &rows, |r| r.ics.trim_end().to_string()))
        }
        Command::Freebusy { user, from, to, set } => {
            let u = user_uri(user)?;
            let fb = match set.as_str() {
                "own" => FbSet::Own(u.clone()),
                "offers" => FbSet::Offers(u.clone()),
                other => FbSet::Other { user: u.clone(), other: user_uri(other)? },
            };
            let tx = store.read()?;
            let periods = match (instant(from)?, instant(to)?) {
                (None, None) => tx.busy_all(&fb)?,
                (f, t) => {
                    let f = f.unwrap_or(DateTime::<Utc>::MIN_UTC);
                    let t = t.unwrap_or(DateTime::<Utc>::MAX_UTC);
                    tx.busy(&fb, f, t)?.into_iter().filter(|p| p.overlaps(&f, &t)).collect()
                }
            };
            let rows: Vec<PeriodRow> = periods
                .into_iter()
                .map(|p| PeriodRow {
                    start: format_utc(&p.start),
                    end: format_utc(&p.end),
                    uid: p.uid,
                    recurrence_id: p.rid,
                    transp: p.transp.as_str().into(),
                    summary: p.summary,
                    organizer: p.organizer,
                    expires: p.expires.map(|e| format_utc(&e)),
                })
                .collect();
            Ok(render(json, &rows, |r| {
                format!(
                    "{}\t{}\t{}\t{}\t{}\t{}",
                    r.start, r.end, r.uid, r.transp, r.summary, r.organizer
                )
            }))
        }
        Command::Vfreebusy { user, from, to } => {
            let u = user_uri(user)?;
            let addr =
                CalAddress::parse(&u).ok_or_else(|| AdminError::Usage("bad address".into()))?;
            let tx = store.read()?;
            let p = agent_prefs::load(&env, tx.as_ref(), &u)?;
            let start = instant(from)?.unwrap_or(now);
            let end = instant(to)?.unwrap_or(start + Duration::days(p.window_days()));
            let periods: Vec<_> = tx
                .busy(&FbSet::Own(u.clone()), start, end)?
                .into_iter()
                .filter(|x| x.overlaps(&start, &end))
                .collect();
            let mut obj = publish_object(&addr, None, &u, now, &periods);
            obj.set_datetime(
                crate::ical::Property::Dtstart,
                &crate::ical::DateTimeValue::Utc(start.naive_utc()),
            );
            obj.set_datetime(
                crate::ical::Property::Dtend,
                &crate::ical::DateTimeValue::Utc(end.naive_utc()),
            );
            Ok(crate::ical::unfold(&build_calendar(&Method::Publish, &[&obj]))
                .replace("\r\n", "\n"))
        }
        Command::Extend { user } => {
            let mut tx = store.write()?;
            let users = tx.users()?;
            let owners: Vec<String> = match user {
                Some(u) => vec![user_uri(u)?],
                None => tx.provider_owners()?,
            };
            let mut rows = Vec::new();
            for o in owners {
                let kind =
                    users.iter().find(|(u, _)| *u == o).map(|(_, k)| k.clone()).unwrap_or_default();
                let n = extend_user(&env, tx.as_mut(), &o, &kind)?;
                rows.push(serde_json::json!({ "user": o, "extended": n }));
            }
            tx.commit()?;
            Ok(render(json, &rows, |r| {
                format!(
                    "{}: {} open-ended event(s) extended",
                    r["user"].as_str().unwrap_or(""),
                    r["extended"]
                )
            }))
        }
        Command::Runs {
            program,
            since,
            status,
            message_id,
            recipient,
            limit,
            verbose,
            prune_days,
        } => {
            if let Some(days) = prune_days {
                let mut tx = store.write()?;
                let n = tx.prune_runs(now - Duration::days(*days))?;
                let m = tx.prune_processed(now - Duration::days(*days))?;
                tx.commit()?;
                return Ok(said(
                    json,
                    format!("{n} run record(s) removed\n"),
                    serde_json::json!({ "runs_removed": n, "markers_removed": m }),
                ));
            }
            let f = RunFilter {
                program: program.clone(),
                since: instant(since)?.map(|t| t.timestamp()),
                exit_status: *status,
                message_id: message_id.clone(),
                recipient: recipient.as_deref().map(user_uri).transpose()?,
                limit: *limit,
            };
            let tx = store.read()?;
            let runs = tx.runs(&f)?;
            #[derive(Serialize)]
            struct R<'a> {
                id: i64,
                started: String,
                program: &'a str,
                message_id: &'a str,
                recipients: &'a str,
                methods: &'a str,
                outcome: &'a str,
                exit_status: i32,
                duration_ms: f64,
                log: Vec<&'a str>,
            }
            let rows: Vec<R<'_>> = runs
                .iter()
                .map(|r| R {
                    id: r.id,
                    started: DateTime::<Utc>::from_timestamp(r.started, 0)
                        .map(|t| format_utc(&t))
                        .unwrap_or_default(),
                    program: &r.program,
                    message_id: &r.message_id,
                    recipients: &r.recipients,
                    methods: &r.methods,
                    outcome: &r.outcome,
                    exit_status: r.exit_status,
                    duration_ms: r.duration_us as f64 / 1000.0,
                    log: r.log.lines().collect(),
                })
                .collect();
            Ok(render(json, &rows, |r| {
                let mut s = format!(
                    "#{} {} {} exit={} {:.1}ms <{}> to {} [{}] {}",
                    r.id,
                    r.started,
                    r.program,
                    r.exit_status,
                    r.duration_ms,
                    r.message_id,
                    r.recipients,
                    r.methods,
                    r.outcome
                );
                if *verbose {
                    for l in &r.log {
                        s.push_str("\n    ");
                        s.push_str(l);
                    }
                }
                s
            }))
        }
        Command::Quota(c) => super::policy_cmds::quota(&env, &mut store, c, json)
            .map_err(policy_error)
            .map(|t| ok_json(json, t)),
        Command::Pool(c) => super::policy_cmds::pool(&env, &mut store, c, json)
            .map_err(policy_error)
            .map(|t| ok_json(json, t)),
        Command::Approvals(c) => super::policy_cmds::approvals(&env, &mut store, c, json)
            .map_err(policy_error)
            .map(|t| ok_json(json, t)),
        Command::ServeAgent(a) => crate::oaa_agents::serve(&rt.config, a).map_err(|e| match e {
            crate::oaa_agents::ServeError::Usage(m) => AdminError::Usage(m),
            crate::oaa_agents::ServeError::Infra(e) => AdminError::Infra(e),
        }),
        Command::Schedule(c) => Ok(super::scheduling_cmds::run(&env, store.as_mut(), c, json)?),
        Command::Decisions { resource, limit } => {
            let u = user_uri(resource)?;
            let tx = store.read()?;
            let ds = tx.decisions(&u, *limit)?;
            #[derive(Serialize)]
            struct D<'a> {
                at: String,
                uid: &'a str,
                recurrence_id: &'a str,
                organizer: &'a str,
                method: &'a str,
                decision: &'a str,
                function: &'a str,
                reason: &'a str,
                reply: &'a str,
            }
            let rows: Vec<D<'_>> = ds
                .iter()
                .map(|d| D {
                    at: DateTime::<Utc>::from_timestamp(d.at, 0)
                        .map(|t| format_utc(&t))
                        .unwrap_or_default(),
                    uid: &d.uid,
                    recurrence_id: &d.rid,
                    organizer: &d.organizer,
                    method: &d.method,
                    decision: &d.decision,
                    function: &d.function,
                    reason: &d.reason,
                    reply: &d.reply,
                })
                .collect();
            Ok(render(json, &rows, |d| {
                format!(
                    "{} {} {} {} by {} from {}: {}",
                    d.at, d.method, d.uid, d.decision, d.function, d.organizer, d.reason
                )
            }))
        }
    }
}

/// With --json, a command whose text is not JSON already answers with it
/// as a JSON object (`{"ok": true, "text": …}`), never with plain text.
fn ok_json(json: bool, text: String) -> String {
    if !json || serde_json::from_str::<serde_json::Value>(&text).is_ok() {
        return text;
    }
    format!("{}\n", serde_json::json!({ "ok": true, "text": text.trim_end() }))
}
