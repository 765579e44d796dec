//! The `imip_ask` command line against a running facilitator: exit codes
//! 0 (solutions), 1 (none), 64 (bad input) and 75 (no facilitator).
#![allow(clippy::unwrap_used)]

mod common;

use std::process::ExitCode;

use common::*;
use oaa::cli::ask_with_args;

fn ask(args: &[&str]) -> ExitCode {
    let mut argv = vec!["imip_ask"];
    argv.extend_from_slice(args);
    let argv: Vec<String> = argv.iter().map(|s| s.to_string()).collect();
    // BlockingAgent owns a runtime, so run it off the test's runtime.
    std::thread::spawn(move || ask_with_args(argv)).join().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exit_codes() {
    let (_f, addr) = facilitator().await;
    let _p =
        fact_provider(&addr, "people", "person(N, A)", 5, &["person(ann, 30)", "person(bob, 40)"])
            .await;
    let a = addr.clone();
    assert_eq!(
        tokio::task::spawn_blocking(move || ask(&[
            "--facilitator",
            &a,
            "person(X, Y)",
            "--param",
            "solution_limit(1)",
            "--json"
        ]))
        .await
        .unwrap(),
        ExitCode::SUCCESS
    );
    let a = addr.clone();
    assert_eq!(
        tokio::task::spawn_blocking(move || ask(&["-f", &a, "person(zed, Y)"])).await.unwrap(),
        ExitCode::from(1)
    );
    let a = addr.clone();
    assert_eq!(
        tokio::task::spawn_blocking(move || ask(&["-f", &a, "f(x) ==> y"])).await.unwrap(),
        ExitCode::from(64)
    );
    let a = addr.clone();
    assert_eq!(
        tokio::task::spawn_blocking(move || ask(&["-f", &a, "p(X)", "--param", "bad("]))
            .await
            .unwrap(),
        ExitCode::from(64)
    );
    // Nothing listens on port 1.
    assert_eq!(
        tokio::task::spawn_blocking(|| ask(&["-f", "127.0.0.1:1", "p(X)", "--timeout", "2"]))
            .await
            .unwrap(),
        ExitCode::from(75)
    );
}

#[test]
fn help_describes_the_exit_codes() {
    let _ = oaa::cli::EXIT_TEMPFAIL;
    assert_eq!(ask(&["--help"]), ExitCode::SUCCESS);
}

#[test]
fn non_loopback_without_secret_is_refused() {
    let cfg = oaa::facilitator::FacilitatorConfig {
        listen: "0.0.0.0:0".parse().unwrap(),
        ..Default::default()
    };
    assert!(cfg.validate().is_err());
    let ok = oaa::facilitator::FacilitatorConfig { secret: Some("s".into()), ..cfg };
    assert!(ok.validate().is_ok());
}
