//! Encoding the facilitator's outgoing events, with a cap on the size of a
//! reply.
//!
//! Performs no I/O. An `ev_solved` reply is the one event whose size is not
//! bounded by what the requester sent: 65 bytes asking for `agent_data/6`
//! can be answered with every agent's declarations, and the solutions of a
//! conjunction share subterms, so a reply small in memory can print as
//! gigabytes. A reply that would exceed the cap keeps the solutions that fit
//! (in order) and drops the rest; printing stops at the cap, so the work is
//! bounded too. Every other event is encoded whole: it is a relay or an
//! echo of a frame that was itself within the frame limit.

use crate::icl::Term;
use crate::icl::print::write_term_capped;
use crate::wire::{Charset, Envelope};

/// Room left for the difference between a solution printed alone and inside
/// the reply (variable names, Latin-1 escapes) before re-checking.
const SLACK: usize = 256;

/// Solutions kept and dropped when a reply was cut to fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cut {
    /// Solutions sent.
    pub kept: usize,
    /// Solutions dropped.
    pub dropped: usize,
}

/// Encodes `env` as one frame; an `ev_solved` longer than `max_reply` bytes
/// is cut to the solutions that fit.
pub fn encode(env: &Envelope, charset: Charset, max_reply: usize) -> (Vec<u8>, Option<Cut>) {
    let mut out = Vec::new();
    if !env.content.is("ev_solved", 6) {
        env.encode_into(charset, &mut out);
        return (out, None);
    }
    if env.encode_capped_into(charset, &mut out, max_reply) {
        return (out, None);
    }
    cut_solved(env, charset, max_reply)
}

fn with_solutions(env: &Envelope, solutions: &[Term]) -> Envelope {
    let mut args = env.content.args().to_vec();
    args[5] = Term::list(solutions.to_vec());
    Envelope { content: Term::compound("ev_solved", args), params: env.params.clone() }
}

fn cut_solved(env: &Envelope, charset: Charset, max_reply: usize) -> (Vec<u8>, Option<Cut>) {
    let solutions: Vec<Term> = match env.content.args().get(5) {
        Some(Term::List(items)) => items.to_vec(),
        // Not a proper list: nothing to cut.
        _ => {
            let mut out = Vec::new();
            env.encode_into(charset, &mut out);
            return (out, None);
        }
    };
    let mut out = Vec::new();
    // The reply without solutions repeats what the requester sent.
    with_solutions(env, &[]).encode_into(charset, &mut out);
    let mut budget = max_reply.saturating_sub(out.len() + SLACK);
    let mut keep = 0;
    let mut text = String::new();
    for s in &solutions {
        text.clear();
        if !write_term_capped(&mut text, s, budget) || text.len() + 1 > budget {
            break;
        }
        budget -= text.len() + 1;
        keep += 1;
    }
    loop {
        out.clear();
        let cut = with_solutions(env, &solutions[..keep]);
        if cut.encode_capped_into(charset, &mut out, max_reply) || keep == 0 {
            if keep == 0 && out.is_empty() {
                cut.encode_into(charset, &mut out);
            }
            return (out, Some(Cut { kept: keep, dropped: solutions.len() - keep }));
        }
        // The estimate was a little short: drop an eighth and try again.
        keep -= (keep / 8).max(1);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::icl::{Limits, parse};

    fn solved(solutions: Vec<Term>) -> Envelope {
        Envelope::new(Term::compound(
            "ev_solved",
            vec![
                Term::Int(7),
                Term::nil(),
                Term::nil(),
                Term::fresh_var(),
                Term::nil(),
                Term::list(solutions),
            ],
        ))
    }

    fn decode(bytes: &[u8]) -> Envelope {
        Envelope::decode(&bytes[..bytes.len() - 2], Charset::Utf8, &Limits::default()).unwrap()
    }

    #[test]
    fn a_reply_within_the_cap_is_sent_whole() {
        let env = solved(vec![parse("p(a)").unwrap(), parse("p(b)").unwrap()]);
        let (bytes, cut) = encode(&env, Charset::Utf8, 1000);
        assert_eq!(cut, None);
        assert_eq!(bytes, env.to_text().into_bytes());
    }

    #[test]
    fn a_large_reply_keeps_the_first_solutions_that_fit() {
        let sols: Vec<Term> =
            (0..1000).map(|i| parse(&format!("p({i}, {})", "x".repeat(90))).unwrap()).collect();
        let (bytes, cut) = encode(&solved(sols.clone()), Charset::Utf8, 10_000);
        assert!(bytes.len() <= 10_000, "{} bytes", bytes.len());
        let cut = cut.unwrap();
        // Each solution prints as 95 or 96 bytes plus a comma: at most 103
        // fit; the slack kept for re-checking costs a few.
        assert!((90..=103).contains(&cut.kept), "{cut:?}");
        assert_eq!(cut.kept + cut.dropped, 1000);
        let got = decode(&bytes);
        assert_eq!(got.content.args()[5], Term::list(sols[..cut.kept].to_vec()));
    }

    #[test]
    fn shared_subterms_are_not_printed_past_the_cap() {
        // 10,000 solutions sharing one 20,000-element list: small in memory,
        // about 1.3 GB printed. Cutting must stay cheap and bounded.
        let big = Term::list((0..20_000).map(|i| Term::atom(&format!("s{i}"))).collect());
        let one = Term::compound("d", vec![big]);
        let one_len = crate::icl::print(&one).len();
        let sols: Vec<Term> = (0..10_000).map(|_| one.clone()).collect();
        let started = std::time::Instant::now();
        let (bytes, cut) = encode(&solved(sols), Charset::Latin1, 1_000_000);
        let elapsed = started.elapsed();
        assert!(bytes.len() <= 1_000_000);
        let cut = cut.unwrap();
        assert_eq!(cut.kept + cut.dropped, 10_000);
        assert!(cut.kept >= 1_000_000 / one_len - 2 && cut.kept <= 1_000_000 / one_len, "{cut:?}");
        // Printing everything would take far longer (and 1.3 GB).
        assert!(elapsed < std::time::Duration::from_secs(5), "{elapsed:?}");
    }

    #[test]
    fn other_events_are_not_cut() {
        let env = Envelope::new(Term::compound(
            "ev_solve",
            vec![Term::Int(1), Term::atom(&"y".repeat(500)), Term::nil()],
        ));
        let (bytes, cut) = encode(&env, Charset::Utf8, 100);
        assert_eq!(cut, None);
        assert!(bytes.len() > 500);
    }
}
