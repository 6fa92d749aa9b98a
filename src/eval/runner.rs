//! Runs cases against a live server, a few at a time, and judges each reply.

use std::time::Duration;

use futures_util::StreamExt;
use serde_json::json;

use super::cases::Case;
use super::client::{self, Reply};
use super::judge::{Judge, Verdict};
use crate::gateway::WidgetSigner;

/// The server under test and how to talk to it.
#[derive(Debug, Clone)]
pub struct Target {
    /// `ws://host:port/v1/chat/ws`.
    pub url: String,
    /// Signs the cases' customer ids (the server's widget secret).
    pub signer: WidgetSigner,
    /// How long one reply may take.
    pub reply_timeout: Duration,
    /// Cases run at the same time.
    pub concurrency: usize,
}

/// One case, its reply and the judges' verdict.
#[derive(Debug, Clone)]
pub struct CaseResult {
    /// The case as labelled.
    pub case: Case,
    /// The reply to its last turn, if one came.
    pub reply: Option<Reply>,
    /// What the judges found (empty when there was no reply).
    pub verdict: Verdict,
    /// Transport trouble.
    pub problems: Vec<String>,
}

impl CaseResult {
    /// Whether a reply came and passed its category's judges.
    pub fn passed(&self) -> bool {
        self.reply.is_some() && self.verdict.passed(self.case.category.answerable())
    }
}

/// Runs and judges every case, in the order given.
pub async fn run_cases(target: &Target, judge: &Judge, cases: &[Case]) -> Vec<CaseResult> {
    futures_util::stream::iter(cases)
        .map(|case| run_case(target, judge, case))
        .buffered(target.concurrency.max(1))
        .collect()
        .await
}

/// Runs and judges one case on a fresh conversation.
pub async fn run_case(target: &Target, judge: &Judge, case: &Case) -> CaseResult {
    let mut hello = json!({"type":"hello","locale":case.locale.code()});
    if let Some(id) = &case.customer {
        hello["customer"] = json!({"id": id, "signature": target.signer.sign(id)});
    }
    let session = client::run(&target.url, hello, &case.turns, target.reply_timeout).await;
    let verdict = session
        .reply
        .as_ref()
        .map(|reply| judge.judge(case, &reply.text))
        .unwrap_or_default();
    CaseResult {
        case: case.clone(),
        reply: session.reply,
        verdict,
        problems: session.problems,
    }
}
