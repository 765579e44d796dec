//! Exit statuses (sysexits.h), as the MTA reads them. No I/O.

/// Done: the message was handled (or deliberately not acted on).
pub const OK: u8 = 0;
/// Usage error: wrong flags.
pub const USAGE: u8 = 64;
/// The data does not allow it: an `imip_admin` scheduling action on an
/// event the user does not hold, does not organise, or with times that do
/// not make sense. Nothing was changed.
pub const DATAERR: u8 = 65;
/// The mailbox server refused the user's copy for good ("user unknown"):
/// the MTA bounces the message instead of retrying it.
pub const NOUSER: u8 = 67;
/// Temporary failure: store, disk or transport; the MTA keeps the message
/// and retries.
pub const TEMPFAIL: u8 = 75;
/// The configuration cannot work (a person agent with no way to deliver
/// the user's copy, an unknown store type…): the MTA defers the message
/// (Postfix reads 78 as "4.3.5 local configuration error"; Exim needs it in
/// `temp_errors`) until the administrator fixes it.
pub const CONFIG: u8 = 78;
