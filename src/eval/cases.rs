//! The labelled set: one TOML file per locale (`tests/data/eval/<code>.toml`),
//! each a list of `[[case]]` tables. The locale comes from the file name.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::error::EvalError;
use crate::domain::Locale;

/// What a case tests, and so how its reply is judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// The signed-in customer's own order: status, tracking, items, total, date.
    OrderFacts,
    /// A question the shop's knowledge base answers.
    Policies,
    /// An order id that does not exist (or a customer without orders).
    UnknownOrder,
    /// Another customer's order id or data.
    OtherCustomer,
    /// An anonymous visitor asks about orders.
    AnonymousOrder,
    /// The shop's data does not say (warranty, discount codes, address...).
    Unanswerable,
    /// Nothing to do with the shop.
    OffTopic,
    /// Several turns; the last refers back to an earlier one.
    FollowUp,
    /// Answerable questions written with typos and slang.
    TyposSlang,
}

impl Category {
    /// Every category, in report order.
    pub const ALL: [Category; 9] = [
        Category::OrderFacts,
        Category::Policies,
        Category::FollowUp,
        Category::TyposSlang,
        Category::UnknownOrder,
        Category::OtherCustomer,
        Category::AnonymousOrder,
        Category::Unanswerable,
        Category::OffTopic,
    ];

    /// The name used in case files and reports.
    pub fn name(self) -> &'static str {
        match self {
            Category::OrderFacts => "order_facts",
            Category::Policies => "policies",
            Category::UnknownOrder => "unknown_order",
            Category::OtherCustomer => "other_customer",
            Category::AnonymousOrder => "anonymous_order",
            Category::Unanswerable => "unanswerable",
            Category::OffTopic => "off_topic",
            Category::FollowUp => "follow_up",
            Category::TyposSlang => "typos_slang",
        }
    }

    /// Parses a category name.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.name() == name)
    }

    /// Whether the shop's data answers it (judged by accuracy); otherwise
    /// the right reply is an honest refusal (judged by the "don't know" rate).
    pub fn answerable(self) -> bool {
        matches!(
            self,
            Category::OrderFacts | Category::Policies | Category::FollowUp | Category::TyposSlang
        )
    }
}

impl std::fmt::Display for Category {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// One labelled question (or conversation).
#[derive(Debug, Clone)]
pub struct Case {
    /// Unique id, e.g. `en-status-a1001`.
    pub id: String,
    /// What it tests.
    pub category: Category,
    /// The visitor's language (from the file name).
    pub locale: Locale,
    /// The signed-in demo customer; `None` for an anonymous visitor.
    pub customer: Option<String>,
    /// Sent one after the other; the reply to the last one is judged.
    pub turns: Vec<String>,
    /// Every value must appear in the judged reply.
    pub expect: Vec<String>,
    /// No value may appear in the judged reply.
    pub forbid: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseFile {
    #[serde(default)]
    case: Vec<RawCase>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCase {
    id: String,
    category: Category,
    customer: Option<String>,
    turns: Vec<String>,
    #[serde(default)]
    expect: Vec<String>,
    #[serde(default)]
    forbid: Vec<String>,
}

/// Which cases to run.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Only this locale.
    pub locale: Option<Locale>,
    /// Only this category.
    pub category: Option<Category>,
    /// Only every `n`-th case (in file order, after the other filters).
    pub every: Option<std::num::NonZeroUsize>,
}

impl Selection {
    /// The cases this selection keeps, in order.
    pub fn apply(&self, cases: Vec<Case>) -> Vec<Case> {
        let step = self.every.map_or(1, |n| n.get());
        cases
            .into_iter()
            .filter(|c| self.locale.is_none_or(|l| c.locale == l))
            .filter(|c| self.category.is_none_or(|k| c.category == k))
            .enumerate()
            .filter(|(i, _)| i % step == 0)
            .map(|(_, c)| c)
            .collect()
    }
}

/// Loads every `<code>.toml` of `dir` (sorted by locale order, then file
/// order), refusing unknown locales, duplicate ids and empty turns.
pub fn load_dir(dir: &Path) -> Result<Vec<Case>, EvalError> {
    let read = |path: &Path, source| EvalError::Read {
        path: path.to_owned(),
        source,
    };
    let mut files: Vec<(Locale, PathBuf)> = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| read(dir, e))? {
        let path = entry.map_err(|e| read(dir, e))?.path();
        if path.extension().and_then(|e| e.to_str()) != Some("toml") {
            continue;
        }
        let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
        let locale = Locale::ALL
            .into_iter()
            .find(|l| l.code() == stem)
            .ok_or_else(|| EvalError::Syntax {
                path: path.clone(),
                reason: "the file name must be a supported locale code, e.g. es.toml".into(),
            })?;
        files.push((locale, path));
    }
    files.sort_by_key(|(locale, _)| locale.index());
    let mut cases = Vec::new();
    let mut ids = HashSet::new();
    for (locale, path) in files {
        let text = std::fs::read_to_string(&path).map_err(|e| read(&path, e))?;
        let file: CaseFile = toml::from_str(&text).map_err(|e| EvalError::Syntax {
            path: path.clone(),
            reason: e.to_string(),
        })?;
        for raw in file.case {
            let bad = |reason: String| EvalError::Syntax {
                path: path.clone(),
                reason: format!("case {}: {reason}", raw.id),
            };
            if !ids.insert(raw.id.clone()) {
                return Err(bad("duplicate id".into()));
            }
            if raw.turns.is_empty() || raw.turns.iter().any(|t| t.trim().is_empty()) {
                return Err(bad("needs at least one non-empty turn".into()));
            }
            if raw
                .expect
                .iter()
                .chain(&raw.forbid)
                .any(|v| v.trim().is_empty())
            {
                return Err(bad("expect and forbid values must not be empty".into()));
            }
            cases.push(Case {
                id: raw.id,
                category: raw.category,
                locale,
                customer: raw.customer,
                turns: raw.turns,
                expect: raw.expect,
                forbid: raw.forbid,
            });
        }
    }
    Ok(cases)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) {
        std::fs::write(dir.join(name), text).expect("write");
    }

    #[test]
    fn the_locale_comes_from_the_file_name_and_customers_are_optional() {
        let dir = tempfile::tempdir().expect("dir");
        write(
            dir.path(),
            "es.toml",
            "[[case]]\nid = \"es-a\"\ncategory = \"policies\"\nturns = [\"¿Devoluciones?\"]\nexpect = [\"30 días\"]\n",
        );
        write(
            dir.path(),
            "en.toml",
            "[[case]]\nid = \"en-a\"\ncategory = \"order_facts\"\ncustomer = \"c_1\"\nturns = [\"Where is A1001?\"]\n",
        );
        let cases = load_dir(dir.path()).expect("loads");
        assert_eq!(cases.len(), 2);
        assert_eq!(
            (cases[0].locale, cases[0].customer.as_deref()),
            (Locale::En, Some("c_1"))
        );
        assert_eq!(
            (cases[1].locale, cases[1].customer.as_deref()),
            (Locale::Es, None)
        );
        assert_eq!(cases[1].expect, vec!["30 días"]);
    }

    #[test]
    fn duplicate_ids_unknown_categories_and_unknown_locales_are_refused() {
        let dir = tempfile::tempdir().expect("dir");
        let case = "[[case]]\nid = \"x\"\ncategory = \"policies\"\nturns = [\"q\"]\n";
        write(dir.path(), "en.toml", &format!("{case}{case}"));
        assert!(load_dir(dir.path())
            .expect_err("dup")
            .to_string()
            .contains("duplicate id"));
        write(dir.path(), "en.toml", &case.replace("policies", "gossip"));
        assert!(load_dir(dir.path()).is_err());
        write(dir.path(), "en.toml", case);
        write(dir.path(), "xx.toml", case);
        assert!(load_dir(dir.path())
            .expect_err("locale")
            .to_string()
            .contains("locale"));
    }

    #[test]
    fn the_shipped_set_is_big_enough_in_every_language_and_category() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/eval");
        let cases = load_dir(&dir).expect("the shipped set loads");
        assert!(cases.len() >= 200, "{} cases", cases.len());
        for locale in Locale::ALL {
            let n = cases.iter().filter(|c| c.locale == locale).count();
            assert!(n >= 20, "{}: {n} cases", locale.code());
        }
        for category in Category::ALL {
            assert!(cases.iter().any(|c| c.category == category), "{category}");
        }
        for case in cases.iter().filter(|c| c.category.answerable()) {
            assert!(
                !case.expect.is_empty(),
                "{}: an answerable case expects something",
                case.id
            );
        }
    }

    #[test]
    fn a_selection_filters_by_locale_category_and_stride() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/eval");
        let cases = load_dir(&dir).expect("loads");
        let fr = Selection {
            locale: Some(Locale::Fr),
            ..Selection::default()
        }
        .apply(cases.clone());
        assert!(!fr.is_empty() && fr.iter().all(|c| c.locale == Locale::Fr));
        let every3 = Selection {
            every: std::num::NonZeroUsize::new(3),
            ..Selection::default()
        }
        .apply(cases.clone());
        assert_eq!(every3.len(), cases.len().div_ceil(3));
        assert_eq!(every3[1].id, cases[3].id);
    }
}
