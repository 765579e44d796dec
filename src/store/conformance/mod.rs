//! The backend-neutral store conformance suite: what every implementation
//! of [`Store`]/[`StoreTx`] must do, as one function per case, run against
//! a fresh database each. The SQLite backend's observable behaviour is the
//! reference; the cases hold nothing specific to SQLite (no file, no SQL,
//! no row ids beyond "distinct and growing"), so that a PostgreSQL backend
//! runs them unchanged. Compiled for tests and with the `conformance`
//! feature. No I/O of its own (backends do theirs).
//!
//! A backend provides a [`Backend`] (its empty database, which can be
//! opened more than once) and calls [`run_all`]:
//!
//! ```ignore
//! store::conformance::run_all(&|| Box::new(MyBackend::new()), &[]);
//! ```
//!
//! Where a backend is known to differ, the case is listed in
//! `known_failures`: it must then fail, so that the list is shortened as
//! soon as the backend is fixed (nothing is skipped in silence).
#![allow(clippy::unwrap_used)]

mod bookkeeping;
mod busy;
mod fixtures;
mod records;
mod transactions;

use super::Store;
use crate::error::{InfraResult, panic_text};
use std::panic::{AssertUnwindSafe, catch_unwind};

/// One empty database of the backend under test.
pub trait Backend {
    /// Opens a handle on the database, as another process or connection
    /// would: each handle has its own transactions.
    fn connect(&self) -> InfraResult<Box<dyn Store>>;
}

/// A case: panics when the backend does not conform.
pub type Case = fn(&dyn Backend);

/// `module::case, …` as `(name, function)` pairs.
macro_rules! cases {
    ($($module:ident::$case:ident),* $(,)?) => {
        &[$((stringify!($case), $module::$case as Case)),*]
    };
}

/// Every case, by name.
pub const CASES: &[(&str, Case)] = cases![
    // Users and preferences, objects, counter-proposals, the request queue.
    records::users_are_recorded_once_and_keep_their_kind,
    records::a_user_without_kind_gets_one_later,
    records::deleting_a_user_removes_everything_stored_for_them,
    records::preferences_are_set_replaced_listed_and_unset,
    records::objects_are_stored_replaced_and_deleted,
    records::occurrences_are_listed_sorted_by_rid,
    records::deleting_recurrences_keeps_the_parent_and_drops_cancellations,
    records::answers_are_kept_per_attendee_instance_and_kind,
    records::objects_are_listed_by_uid_and_rid_optionally_by_status,
    records::counters_are_per_occurrence_sorted_replaced_and_deleted,
    records::the_request_queue_is_sorted_without_duplicates_and_dequeued_by_kind,
    // Free/busy and providers.
    busy::busy_returns_periods_overlapping_or_touching_the_window,
    busy::busy_periods_keep_every_field,
    busy::busy_all_is_sorted_by_start_then_uid,
    busy::busy_for_uid_selects_one_occurrence_or_all,
    busy::remove_busy_for_uid_removes_one_occurrence_or_all,
    busy::remove_busy_in_removes_overlapping_periods_not_touching_ones,
    busy::purge_expired_removes_holds_lapsed_at_or_before_now,
    busy::expire_busy_removes_ended_periods_of_one_kind,
    busy::collections_are_listed_by_kind_and_other_participant,
    busy::collections_do_not_share_periods,
    busy::change_stamps_grow_with_every_own_or_offer_change,
    busy::providers_are_registered_once_listed_and_unregistered,
    busy::provider_horizons_are_recorded_and_replaced,
    // Run records, processed markers, decisions, key/value records.
    bookkeeping::runs_are_listed_newest_first_with_every_field,
    bookkeeping::runs_are_filtered_by_every_field,
    bookkeeping::runs_are_limited_to_100_by_default,
    bookkeeping::old_runs_are_pruned,
    bookkeeping::processed_markers_keep_their_outbox_and_are_replaced,
    bookkeeping::mark_sent_never_lowers_and_completes,
    bookkeeping::unsent_markers_are_listed_per_agent_oldest_first,
    bookkeeping::old_processed_markers_are_pruned_with_their_outbox,
    bookkeeping::outbox_recipients_round_trip_exactly,
    bookkeeping::decisions_are_listed_newest_first_per_resource_with_a_limit,
    bookkeeping::kv_records_are_written_replaced_and_deleted,
    bookkeeping::kv_list_selects_a_prefix_sorted_by_key,
    bookkeeping::kv_prefixes_match_byte_for_byte,
    // Transactions.
    transactions::a_commit_is_visible_to_new_transactions_and_other_handles,
    transactions::uncommitted_writes_are_invisible_to_other_handles,
    transactions::dropping_a_write_transaction_rolls_it_back,
    transactions::a_rolled_back_savepoint_undoes_only_its_changes,
    transactions::a_released_savepoint_is_part_of_its_transaction,
    transactions::a_read_transaction_is_a_snapshot,
    transactions::relaxed_writes_commit_like_writes,
    transactions::concurrent_writers_serialise,
];

/// Runs every case against a fresh database from `make` and panics with
/// the list of cases that failed, and of `known_failures` that passed.
pub fn run_all(make: &dyn Fn() -> Box<dyn Backend>, known_failures: &[&str]) {
    for name in known_failures {
        assert!(CASES.iter().any(|(n, _)| n == name), "no case is called {name}");
    }
    let mut wrong = Vec::new();
    for (name, case) in CASES {
        let backend = make();
        let outcome = catch_unwind(AssertUnwindSafe(|| case(&*backend)));
        match (outcome, known_failures.contains(name)) {
            (Ok(()), false) | (Err(_), true) => {}
            (Err(p), false) => wrong.push(format!("{name}: {}", panic_text(&*p))),
            (Ok(()), true) => {
                wrong.push(format!("{name}: passes now; remove it from the known failures"))
            }
        }
    }
    assert!(wrong.is_empty(), "store conformance:\n{}", wrong.join("\n"));
}
