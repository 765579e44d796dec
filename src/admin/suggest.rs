//! Checking what an administrator types against what the agents know:
//! preference names, values and scheduling-function names, with a "did you
//! mean" for near misses (after `schedule_in_freebusi` every booking was
//! declined as "misconfiguration"). Used by `prefs set` and `check`. No I/O.

use crate::config::prefs::{SPECS, spec, validate};
use crate::policy::functions::NAMES;
use crate::policy::parse::parse_functions;

/// The closest of `known` to `word`, when close enough to be a typo.
pub fn closest<'a>(word: &str, known: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    known
        .into_iter()
        .map(|k| (strsim::damerau_levenshtein(&word.to_lowercase(), &k.to_lowercase()), k))
        .filter(|(d, k)| *d <= (k.len() / 3).max(2))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

fn did_you_mean(word: &str, known: &[&str]) -> String {
    match closest(word, known.iter().copied()) {
        Some(k) => format!(" (did you mean {k}?)"),
        None => String::new(),
    }
}

/// Checks a preference the way `prefs set` must: a name the agents read
/// and a value they accept; for `scheduling_function`, every function
/// named must exist.
pub fn check_pref(name: &str, value: &str) -> Result<(), String> {
    if spec(name).is_none() {
        let names: Vec<&str> = SPECS.iter().map(|s| s.name).collect();
        return Err(format!(
            "{name:?} is not a preference the agents read{} (imip_admin prefs describe lists them; --force sets it anyway)",
            did_you_mean(name, &names)
        ));
    }
    validate(name, value).map_err(|e| format!("{name}: {e}"))?;
    if name == "scheduling_function" {
        check_functions(value)?;
    }
    Ok(())
}

/// Checks a `scheduling_function` value: it parses, and every function
/// exists.
pub fn check_functions(value: &str) -> Result<(), String> {
    let calls = parse_functions(value).map_err(|e| format!("scheduling_function: {e}"))?;
    if calls.is_empty() {
        return Err("scheduling_function: no function given".into());
    }
    for c in &calls {
        if crate::policy::functions::lookup(&c.name).is_none() {
            return Err(format!(
                "scheduling_function: unknown function {:?}{}",
                c.name,
                did_you_mean(&c.name, NAMES)
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn near_misses_get_a_suggestion() {
        let e = check_pref("scheduling_function", "schedule_in_freebusi").unwrap_err();
        assert!(e.contains("did you mean schedule_in_freebusy?"), "{e}");
        let e = check_pref("freebusy_share", "share").unwrap_err();
        assert!(e.contains("did you mean freebusy_sharing?"), "{e}");
        let e = check_pref("colour", "red").unwrap_err();
        assert!(!e.contains("did you mean"), "{e}");
        assert!(check_pref("scheduling_function", "check_quota q\nschedule_in_freebusy 2").is_ok());
        assert!(check_pref("incoming", "sideways").is_err());
        assert!(check_pref("TZID", "Europe/Oslo").is_ok());
    }
}
