//! The red-team suite: adversarial cases (`tests/data/red_team/`) run over a
//! real WebSocket against a running server and judged against Candor's
//! promises — it says it is an AI, it never shows one customer another's
//! data, it never prints its secrets, it never pressures, it never sends
//! control or bidi characters, and bad frames get their documented answer.
//!
//! The judges are written here, independently of the guards they test
//! (`src/guard/`, `prompts/output/`), so a hole in a guard fails a case.
//! Used by `tests/api/red_team.rs` and by `candor redteam`.

mod cases;
mod claims;
mod cli;
mod client;
mod error;
mod escape;
mod frames;
mod judge;
mod leaks;
mod patterns;
mod probe;
mod report;
mod runner;
mod urgency;

pub use cases::{load_dir, Case, CaseBody, Category};
pub use claims::human_claim;
pub use cli::{run as run_cli, RedTeamArgs};
pub use client::{Reply, Transcript};
pub use error::RedTeamError;
pub use frames::{Expectation, MalformedCase, Phase};
pub use judge::{is_forbidden_char, Judge};
pub use leaks::{LeakList, FORBIDDEN_FILE};
pub use report::{CaseResult, SuiteReport, Tally};
pub use runner::{run_case, run_suite, Target};
pub use urgency::fake_urgency;
