//! imip_admin: administration of imip-agent stores (users, preferences,
//! schedules, periodic jobs, run records, resource decisions).

use std::process::ExitCode;

fn main() -> ExitCode {
    imip_agent::admin::main()
}
