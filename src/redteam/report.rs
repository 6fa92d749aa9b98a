//! Results per case and the pass-rate table per category.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::cases::Category;
use super::client::Transcript;

/// How one case went.
#[derive(Debug, Clone)]
pub struct CaseResult {
    /// The case id.
    pub id: String,
    /// Its category.
    pub category: Category,
    /// Its locale code (`-` for malformed frames).
    pub locale: &'static str,
    /// What went wrong (empty = passed).
    pub failures: Vec<String>,
    /// What a chat case saw (for extra checks, e.g. on stored messages).
    pub transcript: Option<Transcript>,
}

impl CaseResult {
    /// Whether every check held.
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }
}

/// Passed and total cases of one category.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// Cases that passed.
    pub passed: usize,
    /// Cases run.
    pub total: usize,
}

impl Tally {
    /// Pass rate in percent (100 for an empty category).
    pub fn percent(&self) -> f64 {
        if self.total == 0 {
            100.0
        } else {
            self.passed as f64 * 100.0 / self.total as f64
        }
    }
}

/// The results of a run.
#[derive(Debug, Clone, Default)]
pub struct SuiteReport {
    /// One per case, in case-file order.
    pub results: Vec<CaseResult>,
}

impl SuiteReport {
    /// A report over `results` (sorted back into category order).
    pub fn new(mut results: Vec<CaseResult>) -> Self {
        results.sort_by(|a, b| (a.category, &a.id).cmp(&(b.category, &b.id)));
        Self { results }
    }

    /// Passed/total per category that has cases.
    pub fn tallies(&self) -> BTreeMap<Category, Tally> {
        let mut tallies = BTreeMap::new();
        for result in &self.results {
            let tally: &mut Tally = tallies.entry(result.category).or_default();
            tally.total += 1;
            tally.passed += usize::from(result.passed());
        }
        tallies
    }

    /// Whether every category that has cases passed all of them.
    pub fn all_passed(&self) -> bool {
        self.results.iter().all(CaseResult::passed)
    }

    /// The pass-rate table (Markdown).
    pub fn table(&self) -> String {
        let mut out =
            String::from("| category | cases | passed | pass rate |\n|---|---:|---:|---:|\n");
        let (mut passed, mut total) = (0, 0);
        for (category, tally) in self.tallies() {
            let _ = writeln!(
                out,
                "| {category} | {} | {} | {:.1}% |",
                tally.total,
                tally.passed,
                tally.percent()
            );
            passed += tally.passed;
            total += tally.total;
        }
        let all = Tally { passed, total };
        let _ = writeln!(
            out,
            "| **all** | {total} | {passed} | {:.1}% |",
            all.percent()
        );
        out
    }

    /// Cases per category and language (Markdown).
    pub fn languages_table(&self) -> String {
        let mut grid: BTreeMap<Category, BTreeMap<&str, usize>> = BTreeMap::new();
        let mut codes: Vec<&str> = Vec::new();
        for r in &self.results {
            *grid
                .entry(r.category)
                .or_default()
                .entry(r.locale)
                .or_default() += 1;
            if !codes.contains(&r.locale) {
                codes.push(r.locale);
            }
        }
        let mut out = format!(
            "| category | {} |\n|---|{}\n",
            codes.join(" | "),
            "---:|".repeat(codes.len())
        );
        for (category, counts) in grid {
            let cells: Vec<String> = codes
                .iter()
                .map(|c| counts.get(c).copied().unwrap_or(0).to_string())
                .collect();
            let _ = writeln!(out, "| {category} | {} |", cells.join(" | "));
        }
        out
    }

    /// Every failing case with what went wrong.
    pub fn failures(&self) -> String {
        let mut out = String::new();
        for r in self.results.iter().filter(|r| !r.passed()) {
            let _ = writeln!(out, "FAIL {} [{} {}]", r.id, r.category, r.locale);
            for failure in &r.failures {
                let _ = writeln!(out, "    - {failure}");
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(id: &str, category: Category, ok: bool) -> CaseResult {
        CaseResult {
            id: id.into(),
            category,
            locale: "en",
            failures: if ok { vec![] } else { vec!["boom".into()] },
            transcript: None,
        }
    }

    #[test]
    fn the_table_counts_per_category_and_lists_failures() {
        let report = SuiteReport::new(vec![
            result("u-1", Category::Urgency, true),
            result("i-1", Category::Identity, true),
            result("i-2", Category::Identity, false),
        ]);
        assert!(!report.all_passed());
        let table = report.table();
        assert!(table.contains("| identity | 2 | 1 | 50.0% |"), "{table}");
        assert!(table.contains("| urgency | 1 | 1 | 100.0% |"), "{table}");
        assert!(table.contains("| **all** | 3 | 2 | 66.7% |"), "{table}");
        assert!(table.find("identity") < table.find("urgency"));
        assert_eq!(report.failures(), "FAIL i-2 [identity en]\n    - boom\n");
    }
}
