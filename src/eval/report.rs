//! Scores per category and overall, the targets, and the printed table,
//! failure list and JSON document.

use std::fmt::Write as _;
use std::time::Duration;

use serde::Serialize;
use serde_json::json;

use super::cases::Category;
use super::runner::CaseResult;
use crate::domain::Locale;

/// The answer-quality targets of issue 9.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Targets {
    /// Least share of answerable cases answered right.
    pub accuracy: f64,
    /// Largest share of replies stating a hallucinated or forbidden value.
    pub hallucination: f64,
    /// Least share of should-not-answer cases refused honestly.
    pub dont_know: f64,
    /// Largest p50 latency of account-fact replies, in milliseconds.
    pub account_p50_ms: f64,
}

impl Default for Targets {
    fn default() -> Self {
        Self {
            accuracy: 0.95,
            hallucination: 0.01,
            dont_know: 0.90,
            account_p50_ms: 100.0,
        }
    }
}

/// A share with its counts.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Share {
    /// Cases that count.
    pub hits: usize,
    /// Cases looked at.
    pub of: usize,
}

impl Share {
    fn new(hits: usize, of: usize) -> Option<Self> {
        (of > 0).then_some(Self { hits, of })
    }

    /// `hits / of`.
    pub fn rate(&self) -> f64 {
        self.hits as f64 / self.of as f64
    }
}

impl std::fmt::Display for Share {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}, {:.1}%", self.hits, self.of, 100.0 * self.rate())
    }
}

/// The scores of a group of cases.
#[derive(Debug, Clone, Serialize)]
pub struct Scores {
    /// A category's name, a locale code, or `all`.
    pub group: String,
    /// Cases run.
    pub cases: usize,
    /// Cases whose last turn got no reply.
    pub no_reply: usize,
    /// Answerable cases answered right (expected values, nothing false).
    pub accuracy: Option<Share>,
    /// Should-not-answer cases refused honestly (nothing false).
    pub dont_know: Option<Share>,
    /// Replies stating at least one hallucinated or forbidden value.
    pub hallucination: Option<Share>,
    /// Median time from the last turn sent to its complete reply, in ms.
    pub p50_ms: Option<f64>,
}

impl Scores {
    fn of<'a>(group: String, results: impl Iterator<Item = &'a CaseResult>) -> Self {
        let results: Vec<&CaseResult> = results.collect();
        let count = |answerable: bool| {
            let group = results
                .iter()
                .filter(|r| r.case.category.answerable() == answerable);
            let all = group.clone().count();
            Share::new(group.filter(|r| r.passed()).count(), all)
        };
        let replied: Vec<&CaseResult> = results
            .iter()
            .copied()
            .filter(|r| r.reply.is_some())
            .collect();
        let false_ones = replied
            .iter()
            .filter(|r| r.verdict.states_falsehood())
            .count();
        Self {
            group,
            cases: results.len(),
            no_reply: results.len() - replied.len(),
            accuracy: count(true),
            dont_know: count(false),
            hallucination: Share::new(false_ones, replied.len()),
            p50_ms: p50(replied
                .iter()
                .filter_map(|r| r.reply.as_ref().map(|x| x.latency))),
        }
    }
}

/// Median (lower middle) in milliseconds.
fn p50(latencies: impl Iterator<Item = Duration>) -> Option<f64> {
    let mut ms: Vec<f64> = latencies.map(|d| d.as_secs_f64() * 1000.0).collect();
    ms.sort_by(f64::total_cmp);
    ms.get(ms.len().saturating_sub(1) / 2).copied()
}

/// The judged results of a run.
#[derive(Debug, Clone)]
pub struct Report {
    /// Every case, in run order.
    pub results: Vec<CaseResult>,
}

impl Report {
    /// Scores of each category that has cases, in [`Category::ALL`] order.
    pub fn categories(&self) -> Vec<Scores> {
        Category::ALL
            .into_iter()
            .filter(|c| self.results.iter().any(|r| r.case.category == *c))
            .map(|c| {
                let group = self.results.iter().filter(move |r| r.case.category == c);
                Scores::of(c.name().into(), group)
            })
            .collect()
    }

    /// Scores of each locale that has cases.
    pub fn locales(&self) -> Vec<Scores> {
        Locale::ALL
            .into_iter()
            .filter(|l| self.results.iter().any(|r| r.case.locale == *l))
            .map(|l| {
                let group = self.results.iter().filter(move |r| r.case.locale == l);
                Scores::of(l.code().into(), group)
            })
            .collect()
    }

    /// Scores over every case.
    pub fn overall(&self) -> Scores {
        Scores::of("all".into(), self.results.iter())
    }

    /// `order_facts` replies the server marked `why.answer = account`:
    /// how many, and their p50 latency in ms.
    pub fn account_facts(&self) -> (usize, Option<f64>) {
        let marked: Vec<Duration> = self
            .results
            .iter()
            .filter(|r| r.case.category == Category::OrderFacts)
            .filter_map(|r| r.reply.as_ref())
            .filter(|reply| reply.answer.as_deref() == Some("account"))
            .map(|reply| reply.latency)
            .collect();
        (marked.len(), p50(marked.into_iter()))
    }

    /// Every target the run misses, in words (empty: all met).
    pub fn shortfalls(&self, targets: &Targets) -> Vec<String> {
        let all = self.overall();
        let mut missed = Vec::new();
        let pct = |x: f64| format!("{:.1}%", 100.0 * x);
        match all.accuracy {
            Some(s) if s.rate() >= targets.accuracy => {}
            Some(s) => missed.push(format!("accuracy {s} < {}", pct(targets.accuracy))),
            None => {}
        }
        match all.hallucination {
            Some(s) if s.rate() <= targets.hallucination => {}
            Some(s) => missed.push(format!(
                "hallucination {s} > {}",
                pct(targets.hallucination)
            )),
            None => missed.push("no reply at all".into()),
        }
        match all.dont_know {
            Some(s) if s.rate() >= targets.dont_know => {}
            Some(s) => missed.push(format!(
                "correct \"don't know\" {s} < {}",
                pct(targets.dont_know)
            )),
            None => {}
        }
        let has_order_facts = self
            .results
            .iter()
            .any(|r| r.case.category == Category::OrderFacts);
        match self.account_facts() {
            (_, Some(ms)) if ms < targets.account_p50_ms => {}
            (_, Some(ms)) => missed.push(format!(
                "account facts p50 {ms:.0} ms >= {:.0} ms",
                targets.account_p50_ms
            )),
            (_, None) if has_order_facts => {
                missed.push("no order_facts reply is marked why.answer = account".into())
            }
            (_, None) => {}
        }
        missed
    }

    /// The Markdown table per category and overall, the account-fact line
    /// and the table per locale.
    pub fn table(&self) -> String {
        let mut out = String::from(
            "| category | cases | accuracy | correct \"don't know\" | hallucinated | p50 latency | no reply |\n|---|---:|---:|---:|---:|---:|---:|\n",
        );
        for scores in self.categories() {
            out += &row(&scores, false);
        }
        out += &row(&self.overall(), true);
        let (n, account_p50) = self.account_facts();
        let _ = writeln!(
            out,
            "\naccount facts (order_facts replies marked why.answer = account): {n} replies, p50 {}",
            ms(account_p50)
        );
        out += "\n| locale | cases | accuracy | correct \"don't know\" | hallucinated | p50 latency | no reply |\n|---|---:|---:|---:|---:|---:|---:|\n";
        for scores in self.locales() {
            out += &row(&scores, false);
        }
        out
    }

    /// Every failing case with its turns, reply and findings.
    pub fn failures(&self) -> String {
        let mut out = String::new();
        for r in self.results.iter().filter(|r| !r.passed()) {
            let c = &r.case;
            let who = c.customer.as_deref().unwrap_or("anonymous");
            let _ = writeln!(
                out,
                "FAIL {} [{}, {}, {who}]",
                c.id,
                c.category,
                c.locale.code()
            );
            for turn in &c.turns {
                let _ = writeln!(out, "  visitor: {turn}");
            }
            match &r.reply {
                Some(reply) => {
                    let kind = reply.answer.as_deref().unwrap_or("-");
                    let _ = writeln!(
                        out,
                        "  {} ({kind}, {:.0} ms): {}",
                        reply.sender,
                        reply.latency.as_secs_f64() * 1000.0,
                        reply.text.replace('\n', " ")
                    );
                }
                None => out += "  (no reply)\n",
            }
            let v = &r.verdict;
            if !v.missing.is_empty() {
                let _ = writeln!(out, "  missing: {:?}", v.missing);
            }
            if !v.forbidden.is_empty() {
                let _ = writeln!(out, "  forbidden: {:?}", v.forbidden);
            }
            if !v.hallucinated.is_empty() {
                let _ = writeln!(out, "  hallucinated: {:?}", v.hallucinated);
            }
            if !c.category.answerable() && r.reply.is_some() && !v.refusal {
                out += "  no refusal text of the locale\n";
            }
            for problem in &r.problems {
                let _ = writeln!(out, "  problem: {problem}");
            }
        }
        out
    }

    /// The whole run as JSON: targets, scores and every case.
    pub fn to_json(&self, targets: &Targets) -> serde_json::Value {
        let (n, account_p50) = self.account_facts();
        let cases: Vec<serde_json::Value> = self
            .results
            .iter()
            .map(|r| {
                json!({
                    "id": r.case.id,
                    "category": r.case.category.name(),
                    "locale": r.case.locale.code(),
                    "customer": r.case.customer,
                    "turns": r.case.turns,
                    "passed": r.passed(),
                    "reply": r.reply.as_ref().map(|x| json!({
                        "sender": x.sender,
                        "text": x.text,
                        "answer": x.answer,
                        "latency_ms": x.latency.as_secs_f64() * 1000.0,
                    })),
                    "verdict": r.verdict,
                    "problems": r.problems,
                })
            })
            .collect();
        json!({
            "targets": targets,
            "overall": self.overall(),
            "categories": self.categories(),
            "locales": self.locales(),
            "account_facts": {"replies": n, "p50_ms": account_p50},
            "shortfalls": self.shortfalls(targets),
            "cases": cases,
        })
    }
}

fn row(s: &Scores, bold: bool) -> String {
    let share = |x: Option<Share>| x.map_or_else(|| "—".to_owned(), |s| s.to_string());
    let name = if bold {
        format!("**{}**", s.group)
    } else {
        s.group.clone()
    };
    format!(
        "| {name} | {} | {} | {} | {} | {} | {} |\n",
        s.cases,
        share(s.accuracy),
        share(s.dont_know),
        share(s.hallucination),
        ms(s.p50_ms),
        s.no_reply
    )
}

fn ms(value: Option<f64>) -> String {
    value.map_or_else(|| "—".to_owned(), |v| format!("{v:.0} ms"))
}

#[cfg(test)]
mod tests {
    use super::super::cases::Case;
    use super::super::client::Reply;
    use super::super::judge::Verdict;
    use super::*;

    fn result(category: Category, passed: bool, ms: u64, answer: Option<&str>) -> CaseResult {
        let mut verdict = Verdict {
            refusal: !category.answerable(),
            ..Verdict::default()
        };
        if !passed {
            verdict.hallucinated.push("99.99".into());
        }
        CaseResult {
            case: Case {
                id: format!("c{ms}"),
                category,
                locale: Locale::En,
                customer: None,
                turns: vec!["q".into()],
                expect: vec![],
                forbid: vec![],
            },
            reply: Some(Reply {
                sender: "ai".into(),
                text: "a".into(),
                answer: answer.map(Into::into),
                latency: Duration::from_millis(ms),
            }),
            verdict,
            problems: vec![],
        }
    }

    #[test]
    fn scores_count_accuracy_refusals_falsehoods_and_medians() {
        let report = Report {
            results: vec![
                result(Category::OrderFacts, true, 10, Some("account")),
                result(Category::OrderFacts, true, 30, Some("account")),
                result(Category::OrderFacts, false, 900, Some("model")),
                result(Category::Unanswerable, true, 50, None),
            ],
        };
        let all = report.overall();
        assert_eq!(all.accuracy, Some(Share { hits: 2, of: 3 }));
        assert_eq!(all.dont_know, Some(Share { hits: 1, of: 1 }));
        assert_eq!(all.hallucination, Some(Share { hits: 1, of: 4 }));
        assert_eq!(all.p50_ms, Some(30.0));
        assert_eq!(report.account_facts(), (2, Some(10.0)));
        let missed = report.shortfalls(&Targets::default());
        assert_eq!(missed.len(), 2, "{missed:?}");
        assert!(missed[0].starts_with("accuracy 2/3"));
        assert!(missed[1].starts_with("hallucination 1/4"));
        assert!(report
            .table()
            .contains("| **all** | 4 | 2/3, 66.7% | 1/1, 100.0% | 1/4, 25.0% | 30 ms | 0 |"));
        assert!(report.failures().contains("FAIL c900"));
    }

    #[test]
    fn no_account_marked_reply_misses_the_latency_target() {
        let report = Report {
            results: vec![result(Category::OrderFacts, true, 10, None)],
        };
        assert_eq!(
            report.shortfalls(&Targets::default()),
            vec!["no order_facts reply is marked why.answer = account"]
        );
    }
}
