//! Translatable texts: notification summaries, reply explanations and
//! subjects, in English, German, Danish and Norwegian Bokmål, chosen by the
//! `LANG` preference. A missing translation falls back to English, so adding
//! a language is adding one table. Performs no I/O.

mod catalog;
pub mod reasons;
pub mod subjects;

pub use catalog::Text;
pub use reasons::Reason;

/// A language the catalogue knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// English.
    En,
    /// German.
    De,
    /// Danish.
    Da,
    /// Norwegian Bokmål.
    Nb,
}

impl Lang {
    /// From a `LANG` preference value (`de`, `de_DE`, `nb_NO.UTF-8`, `no`…).
    pub fn from_pref(value: &str) -> Lang {
        let v = value.trim().to_ascii_lowercase();
        let base = v.split(['_', '-', '.']).next().unwrap_or("");
        match base {
            "de" => Lang::De,
            "da" => Lang::Da,
            "nb" | "no" | "nn" => Lang::Nb,
            _ => Lang::En,
        }
    }

    /// Every language, for tests that check completeness.
    pub const ALL: [Lang; 4] = [Lang::En, Lang::De, Lang::Da, Lang::Nb];
}

/// The text in a language.
pub fn tr(lang: Lang, text: Text) -> &'static str {
    catalog::lookup(lang, text).unwrap_or_else(|| catalog::lookup(Lang::En, text).unwrap_or(""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_text_is_translated_into_every_language() {
        for t in Text::ALL {
            for l in Lang::ALL {
                assert!(
                    catalog::lookup(l, *t).is_some_and(|s| !s.is_empty()),
                    "{t:?} missing in {l:?}"
                );
            }
        }
    }

    #[test]
    fn language_codes() {
        assert_eq!(Lang::from_pref("nb_NO.UTF-8"), Lang::Nb);
        assert_eq!(Lang::from_pref("da_DK"), Lang::Da);
        assert_eq!(Lang::from_pref("en_GB"), Lang::En);
        assert_eq!(Lang::from_pref("fr"), Lang::En);
        assert_eq!(tr(Lang::De, Text::Subject), "Kalender-Systemnachricht");
    }
}
