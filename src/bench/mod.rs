//! `candor bench`: measurements, not assertions.
//!
//! - `candor bench [--model ..] [--runs ..]`: model load time,
//!   prompt (prefill) and decode speed of the engine in-process.
//! - `candor bench load ...` ([`run_load`]): N concurrent scripted customer
//!   conversations against a running server, Candor's chat socket or
//!   llama.cpp's `llama-server`, reporting time to first token, reply
//!   latency and throughput (`scripts/bench_vs_llama.py` compares the two).
//! - `candor bench retrieval` ([`run_retrieval`]): knowledge-base retrieval
//!   time over 2,000 synthetic entries (question embedding, scoring, total).
//! - `candor bench sampling` ([`run_sampling`]): time to choose a token from
//!   a vocabulary's logits, Candor's sampler beside candle's.

mod candor_client;
mod decode;
mod error;
mod llama_client;
mod load_cli;
mod report;
mod retrieval;
mod runner;
mod sampling;
mod scripts;
mod sse;
mod tokens;
mod turn;

pub use decode::{run, BenchArgs, BenchImplementation, BenchWeights};
pub use error::LoadError;
pub use load_cli::{anonymous_system_prompt, run_cli as run_load_cli, LoadArgs, TargetKind};
pub use report::{LoadReport, LoadSummary, Percentiles, TokenSource, TurnRecord};
pub use retrieval::{run_retrieval, RetrievalArgs, RetrievalReport};
pub use runner::{run_load, LoadPlan, LoadTarget};
pub use sampling::{run_sampling, SamplingArgs};
pub use scripts::{customer_message, script_for, CustomerScript, CUSTOMER_SCRIPTS};
pub use tokens::TokenCounter;

/// `candor bench`: the prefill/decode measurement, or a mode named by a subcommand.
#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct BenchCommand {
    /// A mode other than the default prefill/decode measurement.
    #[command(subcommand)]
    pub mode: Option<BenchMode>,
    /// Options of the default prefill/decode measurement.
    #[command(flatten)]
    pub decode: BenchArgs,
}

/// `candor bench` modes.
#[derive(Debug, clap::Subcommand)]
pub enum BenchMode {
    /// Concurrent scripted conversations against a running server (Candor or
    /// llama-server): time to first token, reply latency, tokens/s.
    Load(LoadArgs),
    /// Knowledge-base retrieval time over synthetic entries (p50/p95 of
    /// question embedding, scoring and total).
    Retrieval(RetrievalArgs),
    /// Time to choose one token with a shop's sampling settings, Candor's
    /// sampler beside candle-transformers' (median per token).
    Sampling(SamplingArgs),
}
