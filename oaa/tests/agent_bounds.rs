//! Memory bounds of the agent library against a facilitator that pushes
//! without limit: a fake facilitator over real loopback TCP floods the
//! agent, and the agent either closes the connection (output backlog over
//! its cap, with the reason logged) or answers requests beyond its budget
//! of unanswered work at once with no solutions.
#![allow(clippy::unwrap_used)]

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use oaa::agent::{Agent, AgentConfig, Request};
use oaa::icl::{Limits, parse};
use oaa::protocol::{Msg, Solvable};
use oaa::wire::{Charset, Envelope, FrameScanner};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tracing_subscriber::util::SubscriberInitExt;

const CONNECTED: &[u8] = b"event(ev_connected([oaa_address(addr(tcp('127.0.0.1',1),1)),\
other_address(addr(tcp('127.0.0.1',1)))]),[]).\n";

/// The fake facilitator's end of one connection.
struct Fake {
    stream: TcpStream,
    scanner: FrameScanner,
}

impl Fake {
    /// Accepts one agent and completes its handshake.
    async fn accept(listener: &TcpListener) -> Fake {
        let (stream, _) = listener.accept().await.unwrap();
        let mut f = Fake { stream, scanner: FrameScanner::new(1 << 20) };
        let connect = f.next().await.unwrap();
        assert!(matches!(Msg::from_term(&connect), Msg::Connect(_)), "{connect}");
        f.stream.write_all(CONNECTED).await.unwrap();
        f
    }

    /// The next frame's content, or `None` at end of stream; fails the
    /// test if nothing comes within 10 seconds.
    async fn next(&mut self) -> Option<oaa::icl::Term> {
        tokio::time::timeout(Duration::from_secs(10), self.next_frame())
            .await
            .expect("no frame from the agent within 10 s")
    }

    async fn next_frame(&mut self) -> Option<oaa::icl::Term> {
        let mut buf = [0u8; 4096];
        loop {
            if let Some(frame) = self.scanner.next_frame().unwrap() {
                let env = Envelope::decode(&frame, Charset::Latin1, &Limits::default()).unwrap();
                return Some(env.content);
            }
            match self.stream.read(&mut buf).await {
                Ok(0) | Err(_) => return None,
                Ok(n) => self.scanner.push(&buf[..n]),
            }
        }
    }

    /// Reads until the agent's next `ev_solve` and answers it with no
    /// solutions (the agent library's `sync` after register and ready).
    async fn answer_sync(&mut self) {
        loop {
            let t = self.next().await.unwrap();
            if let Msg::Solve { id, .. } = Msg::from_term(&t) {
                let reply = format!("event(ev_solved({id},[],[],_,[],[]),[]).\n");
                self.stream.write_all(reply.as_bytes()).await.unwrap();
                return;
            }
        }
    }
}

/// Captures log lines of the current thread (the tests run on a
/// current-thread runtime, so the agent's tasks log here too).
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

fn capture_logs() -> (Captured, tracing::dispatcher::DefaultGuard) {
    let sink = Captured::default();
    let writer = sink.clone();
    let guard = tracing_subscriber::fmt()
        .with_ansi(false)
        .with_max_level(tracing::Level::INFO)
        .with_writer(move || writer.clone())
        .set_default();
    (sink, guard)
}

#[tokio::test]
async fn a_facilitator_that_does_not_read_is_disconnected() {
    let (logs, _guard) = capture_logs();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let mut cfg = AgentConfig::new("flooded");
    cfg.max_output_queue = 64 * 1024;
    let (agent, mut fake) = tokio::join!(
        async { Agent::connect(&addr.to_string(), cfg).await.unwrap() },
        Fake::accept(&listener)
    );
    // Heartbeats are answered with their arguments: 2 KB out for 2 KB in,
    // and the fake never reads them.
    let beat = format!("event(ev_heartbeat('{}'),[]).\n", "h".repeat(2000)).repeat(32);
    let flood = async { while fake.stream.write_all(beat.as_bytes()).await.is_ok() {} };
    tokio::select! {
        _ = flood => {}
        _ = tokio::time::sleep(Duration::from_secs(10)) => panic!("the agent kept reading"),
    }
    assert!(agent.is_closed());
    let text = logs.text();
    assert!(
        text.contains("output backlog over the cap")
            && text.contains(&format!("peer={addr}"))
            && text.contains("cap=65536"),
        "{text}"
    );
    assert!(agent.solve(parse("x(Y)").unwrap(), vec![]).await.is_err());
}

#[tokio::test]
async fn requests_beyond_the_budget_are_answered_at_once_with_no_solutions() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let request = |id: u32| format!("event(ev_solve({id},work(X),[]),[]).\n");
    let len = request(10).len();
    let mut cfg = AgentConfig::new("busy");
    // Room for three requests (however the frame's end is counted).
    cfg.max_input_queue = len * 7 / 2;
    let held: Arc<Mutex<Vec<Request>>> = Arc::default();
    let keep = held.clone();
    let handler = move |req: Request| keep.lock().unwrap().push(req);
    let (agent, mut fake) = tokio::join!(
        async { Agent::connect_with_handler(&addr, cfg, handler).await.unwrap() },
        Fake::accept(&listener)
    );
    let register = agent.register(vec![Solvable::procedure(parse("work(X)").unwrap())]);
    let ((), ()) = tokio::join!(async { register.await.unwrap() }, fake.answer_sync());
    for id in 10..20 {
        fake.stream.write_all(request(id).as_bytes()).await.unwrap();
    }
    // Seven refused at once, in order, with no solutions.
    for id in 13..20 {
        let t = fake.next().await.unwrap();
        let Msg::Solved { id: got, solutions, .. } = Msg::from_term(&t) else { panic!("{t}") };
        assert_eq!((got.as_int(), solutions.len()), (Some(id), 0), "{t}");
    }
    assert_eq!(held.lock().unwrap().len(), 3);
    // Answering frees the budget: the next request reaches the handler.
    for r in held.lock().unwrap().drain(..) {
        let sol = r.instance(&parse("work(done)").unwrap()).unwrap();
        r.reply(vec![sol]);
    }
    for id in 10..13 {
        let t = fake.next().await.unwrap();
        let Msg::Solved { id: got, solutions, .. } = Msg::from_term(&t) else { panic!("{t}") };
        assert_eq!((got.as_int(), solutions.len()), (Some(id), 1), "{t}");
    }
    fake.stream.write_all(request(20).as_bytes()).await.unwrap();
    tokio::time::timeout(Duration::from_secs(5), async {
        while held.lock().unwrap().is_empty() {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
    .unwrap();
    assert!(!agent.is_closed());
}
