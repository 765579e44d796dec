//! Fuzz the ICL parser: parse arbitrary input; whenever it parses, print
//! it, re-parse the printed text and require a structurally equal term.
//! Must never panic, hang or overflow the stack.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oaa::icl::{parse, print};

fuzz_target!(|data: &[u8]| {
    // Classic connections are Latin-1: every byte is a character.
    let text: String = data.iter().map(|&b| char::from(b)).collect();
    for input in [text.as_str(), std::str::from_utf8(data).unwrap_or("")] {
        if let Ok(term) = parse(input) {
            let printed = print(&term);
            match parse(&printed) {
                Ok(again) => assert!(again == term, "round trip changed {printed:?}"),
                Err(e) => panic!("printed form {printed:?} does not parse: {e}"),
            }
        }
    }
});
