//! `imip_admin config show` (after `postconf`): the effective
//! configuration as TOML — every setting, or with `-n` only those that
//! differ from the built-in defaults. No I/O beyond returning text.

use crate::config::Config;

/// The configuration as TOML; `changed_only`: only what differs from the
/// defaults.
pub fn show(cfg: &Config, changed_only: bool) -> Result<String, String> {
    let mut value = toml::Value::try_from(cfg).map_err(|e| e.to_string())?;
    if changed_only {
        let defaults = toml::Value::try_from(Config::default()).map_err(|e| e.to_string())?;
        prune(&mut value, &defaults);
    }
    let text = toml::to_string(&value).map_err(|e| e.to_string())?;
    // Permissions read better in octal, as they are written.
    Ok(text
        .lines()
        .map(|l| match l.split_once(" = ") {
            Some((k @ ("socket_mode" | "publish_mode"), v)) => match v.parse::<u32>() {
                Ok(n) => format!("{k} = 0o{n:o}"),
                Err(_) => l.to_string(),
            },
            _ => l.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n")
}

/// Removes what equals the defaults (empty tables too).
fn prune(v: &mut toml::Value, d: &toml::Value) {
    if let (toml::Value::Table(t), toml::Value::Table(dt)) = (v, d) {
        t.retain(|k, val| match dt.get(k) {
            Some(dv) if dv == val => false,
            Some(dv @ toml::Value::Table(_)) => {
                prune(val, dv);
                !matches!(val, toml::Value::Table(x) if x.is_empty())
            }
            _ => true,
        });
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn shows_what_differs() {
        let c = Config::from_toml(
            "message_sender = \"cal@example.org\"\n[paths]\npublish_mode = 0o640\n",
        )
        .unwrap();
        let n = show(&c, true).unwrap();
        assert!(n.contains("message_sender = \"cal@example.org\""), "{n}");
        assert!(n.contains("[paths]\npublish_mode = 0o640"), "{n}");
        assert!(!n.contains("[listener]"), "{n}");
        let all = show(&c, false).unwrap();
        assert!(all.contains("socket_mode = 0o660"), "{all}");
        assert!(all.contains("[log]"), "{all}");
    }
}
