//! Offline audits a shop runs on its own installation.

pub mod cli;
pub mod fairness;
