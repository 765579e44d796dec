//! imip_ask: ask the facilitator to solve one ICL goal.

use std::process::ExitCode;

fn main() -> ExitCode {
    oaa::cli::ask_main()
}
