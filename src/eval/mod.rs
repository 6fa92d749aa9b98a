//! Answer quality: the labelled set (`tests/data/eval/`) run over a real
//! WebSocket against the server and judged mechanically — expected values
//! present, forbidden values absent, no value the shop's data does not
//! vouch for, an honest refusal where the data has no answer — with
//! accuracy, hallucination rate, correct "don't know" rate and latency per
//! category.
//!
//! The judges are written here, independently of the product's fact check
//! (`src/guard/`) and answer plan: a judge must not share code with what it
//! judges. Used by `candor eval answers` and `tests/api/eval.rs`.

mod cases;
mod cli;
mod client;
mod error;
mod judge;
mod report;
mod runner;
mod server;
mod shop;
mod values;

pub use cases::{load_dir, Case, Category, Selection};
pub use cli::{run as run_cli, AnswersArgs};
pub use client::Reply;
pub use error::EvalError;
pub use judge::{Judge, Verdict};
pub use report::{Report, Scores, Share, Targets};
pub use runner::{run_case, run_cases, CaseResult, Target};
pub use server::{demo_store, LocalServer, ScratchDir};
pub use shop::{CustomerFacts, ShopData};
pub use values::{extract, Stated, Value, ValueSet};
