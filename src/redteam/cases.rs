//! Red-team cases: one tab-separated file per category under the cases
//! folder (`tests/data/red_team/<category>.tsv`). Lines starting with `#`
//! and blank lines are ignored; the first other line is the header.
//!
//! Chat categories: `id  locale  turn [turn ...]` — the visitor says each
//! turn in order, in a widget whose `hello` names `locale`. Texts use the
//! escapes of [`unescape`](super::escape::unescape). Malformed frames:
//! `id  phase  frame  expect` (see [`MalformedCase`]).

use std::path::{Path, PathBuf};

use super::error::RedTeamError;
use super::escape::unescape;
use super::frames::MalformedCase;
use crate::domain::Locale;

/// What a case attacks; each has its own judge and its own line in the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Category {
    /// "Are you human?" and role-play set-ups that want a human persona.
    Identity,
    /// A verified customer asking for other customers' data.
    CrossCustomer,
    /// Attempts to make the assistant print its prompt or secrets.
    PromptExtraction,
    /// Baiting the assistant into fake urgency or scarcity.
    Urgency,
    /// Markup, bidi overrides and control characters in the visitor's text.
    HtmlPayload,
    /// Chat-template control tokens typed to open a fake system or
    /// assistant turn.
    ForgedTurn,
    /// Frames that break the protocol.
    Malformed,
}

impl Category {
    /// Every category, in table order.
    pub const ALL: [Category; 7] = [
        Category::Identity,
        Category::CrossCustomer,
        Category::PromptExtraction,
        Category::Urgency,
        Category::HtmlPayload,
        Category::ForgedTurn,
        Category::Malformed,
    ];

    /// The name used in file names and the table.
    pub fn name(self) -> &'static str {
        match self {
            Category::Identity => "identity",
            Category::CrossCustomer => "cross_customer",
            Category::PromptExtraction => "prompt_extraction",
            Category::Urgency => "urgency",
            Category::HtmlPayload => "html_payload",
            Category::ForgedTurn => "forged_turn",
            Category::Malformed => "malformed",
        }
    }

    /// The category's case file inside `dir`.
    pub fn file(self, dir: &Path) -> PathBuf {
        dir.join(format!("{}.tsv", self.name()))
    }
}

impl std::fmt::Display for Category {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// What the case sends.
#[derive(Debug, Clone)]
pub enum CaseBody {
    /// Visitor messages, one per turn, in the case's locale.
    Chat {
        /// The widget's locale (sent in `hello`).
        locale: Locale,
        /// The visitor's messages.
        turns: Vec<String>,
    },
    /// One protocol-breaking frame.
    Malformed(MalformedCase),
}

/// One adversarial case.
#[derive(Debug, Clone)]
pub struct Case {
    /// Unique id (e.g. `id-en-001`).
    pub id: String,
    /// Which judge applies.
    pub category: Category,
    /// What to send.
    pub body: CaseBody,
}

impl Case {
    /// The locale code of a chat case, `-` for a malformed frame.
    pub fn locale_code(&self) -> &'static str {
        match &self.body {
            CaseBody::Chat { locale, .. } => locale.code(),
            CaseBody::Malformed(_) => "-",
        }
    }
}

/// Loads every category file present in `dir` (at least one must be).
pub fn load_dir(dir: &Path) -> Result<Vec<Case>, RedTeamError> {
    let mut cases = Vec::new();
    for category in Category::ALL {
        let path = category.file(dir);
        match std::fs::read_to_string(&path) {
            Ok(source) => cases.extend(parse_file(category, &path, &source)?),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(source) => return Err(RedTeamError::Read { path, source }),
        }
    }
    if cases.is_empty() {
        return Err(RedTeamError::NoCases(dir.to_owned()));
    }
    let mut ids: Vec<&str> = cases.iter().map(|c| c.id.as_str()).collect();
    ids.sort_unstable();
    if let Some(pair) = ids.windows(2).find(|w| w[0] == w[1]) {
        return Err(RedTeamError::Syntax {
            path: dir.to_owned(),
            line: 0,
            reason: format!("case id `{}` is used twice", pair[0]),
        });
    }
    Ok(cases)
}

/// Parses one category file.
pub fn parse_file(
    category: Category,
    path: &Path,
    source: &str,
) -> Result<Vec<Case>, RedTeamError> {
    let mut cases = Vec::new();
    let mut header_seen = false;
    for (index, line) in source.lines().enumerate() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        if !header_seen {
            header_seen = true;
            continue;
        }
        let syntax = |reason: String| RedTeamError::Syntax {
            path: path.to_owned(),
            line: index + 1,
            reason,
        };
        let cols: Vec<&str> = line.split('\t').collect();
        let case = match category {
            Category::Malformed => parse_malformed(&cols),
            _ => parse_chat(&cols),
        }
        .map_err(syntax)?;
        let (id, body) = case;
        cases.push(Case { id, category, body });
    }
    Ok(cases)
}

fn parse_chat(cols: &[&str]) -> Result<(String, CaseBody), String> {
    let [id, code, turns @ ..] = cols else {
        return Err("expected `id<TAB>locale<TAB>text`".into());
    };
    if turns.is_empty() {
        return Err("a chat case needs at least one turn".into());
    }
    let locale = Locale::ALL
        .into_iter()
        .find(|l| l.code() == *code)
        .ok_or_else(|| format!("unknown locale `{code}`"))?;
    let turns = turns
        .iter()
        .map(|t| unescape(t))
        .collect::<Result<Vec<_>, _>>()?;
    if turns.iter().any(|t| t.trim().is_empty()) {
        return Err("a turn is empty".into());
    }
    Ok((checked_id(id)?, CaseBody::Chat { locale, turns }))
}

fn parse_malformed(cols: &[&str]) -> Result<(String, CaseBody), String> {
    let [id, phase, frame, expect] = cols else {
        return Err("expected `id<TAB>phase<TAB>frame<TAB>expect`".into());
    };
    let case = MalformedCase::parse(phase, frame, expect)?;
    Ok((checked_id(id)?, CaseBody::Malformed(case)))
}

fn checked_id(id: &str) -> Result<String, String> {
    let ok = !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    ok.then(|| id.to_owned())
        .ok_or_else(|| format!("case id `{id}` must be letters, digits, `-`, `_` or `.`"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chat_lines_parse_with_escapes_and_several_turns() {
        let source = "# comment\nid\tlocale\ttext\nx-1\tes\t\\u{202E}hola\tsegundo\n";
        let cases = parse_file(Category::HtmlPayload, Path::new("h.tsv"), source).expect("ok");
        let CaseBody::Chat { locale, turns } = &cases[0].body else {
            panic!("chat case expected");
        };
        assert_eq!(*locale, Locale::Es);
        assert_eq!(turns, &["\u{202E}hola", "segundo"]);
    }

    #[test]
    fn bad_lines_name_the_file_and_line() {
        for bad in [
            "h\nx-1\tzz\thello\n",
            "h\nx-1\ten\n",
            "h\nx 1\ten\thi\n",
            "h\nx-1\ten\tbad \\q\n",
        ] {
            let err = parse_file(Category::Identity, Path::new("i.tsv"), bad)
                .expect_err("must be refused");
            assert!(err.to_string().starts_with("i.tsv:2: "), "{err}");
        }
    }
}
