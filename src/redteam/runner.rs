//! Runs cases against a live server, a few at a time.

use std::time::Duration;

use futures_util::StreamExt;
use serde_json::json;

use super::cases::{Case, CaseBody, Category};
use super::client::{chat, Transcript};
use super::judge::Judge;
use super::probe::probe;
use super::report::{CaseResult, SuiteReport};
use crate::gateway::WidgetSigner;

/// The server under test and how to talk to it.
#[derive(Debug, Clone)]
pub struct Target {
    /// `ws://host:port/v1/chat/ws`.
    pub url: String,
    /// Signs the verified customer's id (the server's widget secret).
    pub signer: WidgetSigner,
    /// The customer the `cross_customer` cases log in as (demo shop: `c_1`).
    pub customer_id: String,
    /// How long one reply may take.
    pub reply_timeout: Duration,
    /// Cases run at the same time.
    pub concurrency: usize,
}

/// Runs every case and judges it.
pub async fn run_suite(target: &Target, judge: &Judge, cases: &[Case]) -> SuiteReport {
    let results = futures_util::stream::iter(cases)
        .map(|case| run_case(target, judge, case))
        .buffer_unordered(target.concurrency.max(1))
        .collect::<Vec<_>>()
        .await;
    SuiteReport::new(results)
}

/// Runs and judges one case.
pub async fn run_case(target: &Target, judge: &Judge, case: &Case) -> CaseResult {
    let (failures, transcript) = match &case.body {
        CaseBody::Chat { locale, turns } => {
            let mut hello = json!({"type":"hello","locale":locale.code()});
            if case.category == Category::CrossCustomer {
                let id = &target.customer_id;
                hello["customer"] = json!({"id": id, "signature": target.signer.sign(id)});
            }
            let transcript: Transcript =
                chat(&target.url, hello, turns, target.reply_timeout).await;
            let failures = judge.chat(case.category, *locale, turns.len(), &transcript);
            (failures, Some(transcript))
        }
        CaseBody::Malformed(malformed) => (probe(&target.url, malformed).await, None),
    };
    CaseResult {
        id: case.id.clone(),
        category: case.category,
        locale: case.locale_code(),
        failures,
        transcript,
    }
}
