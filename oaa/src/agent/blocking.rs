//! A blocking wrapper around [`Agent`] for command-line programs.
//!
//! Performs I/O. Owns a small multi-threaded tokio runtime (one worker) so
//! the connection keeps being served between calls — incoming requests are
//! answered even while the caller is busy.

use std::time::Duration;

use super::client::{Agent, Solutions, UpdateReply};
use super::config::{AgentConfig, AgentError};
use super::handler::Handler;
use crate::icl::Term;
use crate::protocol::solvable::Solvable;

/// A connected agent driven by blocking calls.
pub struct BlockingAgent {
    rt: tokio::runtime::Runtime,
    agent: Agent,
}

fn runtime() -> Result<tokio::runtime::Runtime, AgentError> {
    Ok(tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build()?)
}

impl BlockingAgent {
    /// Connects as a client.
    pub fn connect(addr: &str, cfg: AgentConfig) -> Result<Self, AgentError> {
        let rt = runtime()?;
        let agent = rt.block_on(Agent::connect(addr, cfg))?;
        Ok(BlockingAgent { rt, agent })
    }

    /// Connects with a handler.
    pub fn connect_with_handler(
        addr: &str,
        cfg: AgentConfig,
        h: impl Handler,
    ) -> Result<Self, AgentError> {
        let rt = runtime()?;
        let agent = rt.block_on(Agent::connect_with_handler(addr, cfg, h))?;
        Ok(BlockingAgent { rt, agent })
    }

    /// The async agent, for calls not wrapped here.
    pub fn agent(&self) -> &Agent {
        &self.agent
    }

    /// Runs any future on this agent's runtime.
    pub fn block_on<F: std::future::Future>(&self, f: F) -> F::Output {
        self.rt.block_on(f)
    }

    /// See [`Agent::register`].
    pub fn register(&self, s: Vec<Solvable>) -> Result<(), AgentError> {
        self.rt.block_on(self.agent.register(s))
    }

    /// See [`Agent::ready`].
    pub fn ready(&self) -> Result<(), AgentError> {
        self.rt.block_on(self.agent.ready())
    }

    /// See [`Agent::solve`]; `timeout` bounds the whole wait.
    pub fn solve(
        &self,
        goal: Term,
        params: Vec<Term>,
        timeout: Option<Duration>,
    ) -> Result<Solutions, AgentError> {
        self.rt.block_on(async {
            match timeout {
                Some(t) => tokio::time::timeout(t, self.agent.solve(goal, params))
                    .await
                    .map_err(|_| AgentError::Timeout)?,
                None => self.agent.solve(goal, params).await,
            }
        })
    }

    /// See [`Agent::add_data`].
    pub fn add_data(&self, clause: Term, params: Vec<Term>) -> Result<UpdateReply, AgentError> {
        self.rt.block_on(self.agent.add_data(clause, params))
    }

    /// See [`Agent::remove_data`].
    pub fn remove_data(&self, clause: Term, params: Vec<Term>) -> Result<UpdateReply, AgentError> {
        self.rt.block_on(self.agent.remove_data(clause, params))
    }

    /// See [`Agent::replace_data`].
    pub fn replace_data(
        &self,
        old: Term,
        new: Term,
        params: Vec<Term>,
    ) -> Result<UpdateReply, AgentError> {
        self.rt.block_on(self.agent.replace_data(old, new, params))
    }

    /// Closes the connection.
    pub fn close(self) {
        self.agent.close();
        self.rt.shutdown_timeout(Duration::from_millis(200));
    }
}
