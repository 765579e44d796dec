//! Free/busy arithmetic: busy periods, overlap counting, coalescing, gaps,
//! and building VFREEBUSY objects. Pure: no I/O, no clock.

mod build;
mod concurrency;
mod periods;

pub use build::{FreeBusyReplyInput, freebusy_object, publish_object};
pub use concurrency::Concurrency;
pub use periods::{BusyPeriod, FbSet, Span, coalesce, first_gap, max_concurrency, overlapping};
