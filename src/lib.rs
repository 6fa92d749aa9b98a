//! Candor: a self-hosted, consent-aware customer-service chatbot backend
//! that runs a small local language model.
//!
//! See `docs/architecture.md` for the path of a message through these
//! modules and which module may use which (checked by `module_graph_tests`).
// No unsafe code, except the SIMD intrinsics of the decode kernels
// (`engine::kernels`), which allow it where they load vectors and call
// CPU-specific functions, each block with its SAFETY reasoning.
#![deny(unsafe_code)]

pub mod answer;
pub mod app_state;
#[cfg(feature = "tools")]
pub mod audit;
#[cfg(feature = "tools")]
pub mod bench;
pub mod config;
pub mod conversation;
pub mod domain;
pub mod engine;
pub mod error;
#[cfg(feature = "tools")]
pub mod eval;
pub mod gateway;
pub mod guard;
pub mod handoff;
pub mod knowledge;
pub mod metrics;
pub mod personalization;
pub mod privacy;
pub mod prompt;
#[cfg(feature = "tools")]
pub mod redteam;
pub mod routes;
pub mod startup;
pub mod store;
pub mod telemetry;

#[cfg(test)]
mod module_graph_tests;
