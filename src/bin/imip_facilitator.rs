//! imip_facilitator: the facilitator that calendar agents connect to.

use std::process::ExitCode;

fn main() -> ExitCode {
    oaa::cli::facilitator_main()
}
