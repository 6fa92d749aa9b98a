//! Knowledge-base Markdown files, `<prompts_dir>/kb/*.md`, read at start.
//!
//! The format:
//! - One entry per `## Title` heading (exactly two `#`). Its text is
//!   everything up to the next `##` heading, trimmed; `###` and deeper
//!   headings belong to the text, and so does anything inside a ``` fence.
//!   Text before the first `##` (a `# Title`, notes for editors) is ignored.
//! - An explicit id may follow the title: `## Returns {#returns}`. Without
//!   one, the id is the title's ASCII slug (accents stripped, lowercase, `-`
//!   between words) plus `.<code>` for entries not in English:
//!   `## Envíos y entregas` in `shop.es.md` becomes `envios-y-entregas.es`.
//! - The locale comes from the file name, `name.<code>.md` (`shop.es.md`;
//!   no code means English). A line `<!-- locale: fr -->` right under a
//!   heading sets that entry's locale instead.
//! - A line holding a credential value (see `crate::prompt::credentials`)
//!   is dropped from the entry with a warning naming the entry id and line.
//! - Duplicate ids (across all files), an empty text, an empty or too long
//!   title or text, a bad id and an unknown locale code are start-up errors
//!   naming the file and line.

use std::collections::HashMap;
use std::path::Path;

use super::{parse_locale, EntrySource, KbEntryId, KnowledgeError, NewKbEntry};
use crate::domain::Locale;
use crate::prompt::credentials::is_credential_line;

/// Every entry of every `*.md` file in `dir` (sorted by file name); no
/// entries when `dir` does not exist.
pub fn load_dir(dir: &Path) -> Result<Vec<NewKbEntry>, KnowledgeError> {
    let listing = match std::fs::read_dir(dir) {
        Ok(listing) => listing,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => {
            return Err(KnowledgeError::Read {
                path: dir.to_owned(),
                source,
            })
        }
    };
    let mut paths: Vec<_> = listing
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "md"))
        .collect();
    paths.sort();
    let mut seen: HashMap<KbEntryId, String> = HashMap::new();
    let mut entries = Vec::new();
    for path in paths {
        let source = std::fs::read_to_string(&path).map_err(|source| KnowledgeError::Read {
            path: path.clone(),
            source,
        })?;
        let label = path.display().to_string();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        for (entry, line) in parse_file(&label, name, &source)? {
            let here = format!("{label}:{line}");
            if let Some(first) = seen.insert(entry.id().clone(), here) {
                return Err(file_error(
                    &label,
                    line,
                    format!(
                        "duplicate entry id {:?} (first defined at {first})",
                        entry.id().as_str()
                    ),
                ));
            }
            entries.push(entry);
        }
    }
    Ok(entries)
}

/// The entries of one file, each with its heading's line number. `label`
/// names the file in errors; `name` is its file name (for the locale).
pub fn parse_file(
    label: &str,
    name: &str,
    source: &str,
) -> Result<Vec<(NewKbEntry, usize)>, KnowledgeError> {
    let file_locale = locale_of_file_name(name).map_err(|reason| file_error(label, 1, reason))?;
    let mut sections: Vec<Section> = Vec::new();
    let mut in_fence = false;
    for (i, raw) in source.lines().enumerate() {
        let line = raw.trim_end_matches('\r');
        if line.trim_start().starts_with("```") {
            in_fence = !in_fence;
        }
        let heading = !in_fence
            && line.starts_with("##")
            && !line.starts_with("###")
            && line[2..].chars().next().is_none_or(char::is_whitespace);
        if heading {
            sections.push(Section {
                line: i + 1,
                heading: line[2..].trim().to_owned(),
                body: Vec::new(),
            });
        } else if let Some(section) = sections.last_mut() {
            section.body.push((i + 1, line));
        }
    }
    sections
        .into_iter()
        .map(|s| s.into_entry(label, file_locale))
        .collect()
}

struct Section<'a> {
    line: usize,
    heading: String,
    body: Vec<(usize, &'a str)>,
}

impl Section<'_> {
    fn into_entry(
        self,
        label: &str,
        file_locale: Locale,
    ) -> Result<(NewKbEntry, usize), KnowledgeError> {
        let err = |reason: String| file_error(label, self.line, reason);
        let (title, explicit_id) = split_heading(&self.heading);
        if title.is_empty() {
            return Err(err("the heading has no title".into()));
        }
        let mut body = self.body.as_slice();
        while body.first().is_some_and(|(_, l)| l.trim().is_empty()) {
            body = &body[1..];
        }
        let mut locale = file_locale;
        if let Some((line, code)) = body
            .first()
            .and_then(|(n, l)| locale_comment(l).map(|c| (*n, c)))
        {
            locale = parse_locale(code)
                .filter(|l| l.code() == code)
                .ok_or_else(|| file_error(label, line, format!("unknown locale {code:?}")))?;
            body = &body[1..];
        }
        let id = match explicit_id {
            Some(raw) => KbEntryId::parse(raw).map_err(|e| err(format!("bad id {raw:?}: {e}")))?,
            None => derived_id(title, locale).map_err(err)?,
        };
        if is_credential_line(title) {
            return Err(err("the title holds a credential value".into()));
        }
        let mut kept = Vec::with_capacity(body.len());
        for (line, text) in body {
            if is_credential_line(text) {
                tracing::warn!(
                    entry_id = %id,
                    line,
                    "a knowledge-base line holding a credential value was dropped"
                );
            } else {
                kept.push(*text);
            }
        }
        let text = kept.join("\n");
        if text.trim().is_empty() {
            return Err(err(format!("entry {:?} has no text", id.as_str())));
        }
        let entry = NewKbEntry::new(id.clone(), title, &text, locale, EntrySource::File)
            .map_err(|e| err(format!("entry {:?}: {e}", id.as_str())))?;
        Ok((entry, self.line))
    }
}

/// `Title {#id}` -> (`Title`, Some(`id`)).
fn split_heading(heading: &str) -> (&str, Option<&str>) {
    if let Some(rest) = heading.strip_suffix('}') {
        if let Some((title, id)) = rest.rsplit_once("{#") {
            return (title.trim(), Some(id.trim()));
        }
    }
    (heading.trim(), None)
}

/// The code of a `<!-- locale: xx -->` line.
fn locale_comment(line: &str) -> Option<&str> {
    let inner = line
        .trim()
        .strip_prefix("<!--")?
        .strip_suffix("-->")?
        .trim();
    let code = inner.strip_prefix("locale:")?.trim();
    (!code.is_empty()).then_some(code)
}

fn locale_of_file_name(name: &str) -> Result<Locale, String> {
    let stem = name.strip_suffix(".md").unwrap_or(name);
    match stem.rsplit_once('.') {
        Some((_, code)) if code.len() == 2 && code.chars().all(|c| c.is_ascii_alphabetic()) => {
            parse_locale(code)
                .filter(|l| l.code() == code)
                .ok_or_else(|| format!("unknown locale code {code:?} in the file name"))
        }
        _ => Ok(Locale::En),
    }
}

fn derived_id(title: &str, locale: Locale) -> Result<KbEntryId, String> {
    let slug = slug(title);
    if slug.is_empty() {
        return Err(format!(
            "cannot derive an id from the title {title:?}: add one, `## {title} {{#some-id}}`"
        ));
    }
    let raw = match locale {
        Locale::En => slug,
        other => format!("{slug}.{}", other.code()),
    };
    KbEntryId::parse(&raw).map_err(|e| format!("derived id {raw:?}: {e}"))
}

/// The ASCII slug of a title: accents stripped, lowercase, `-` between words.
pub fn slug(title: &str) -> String {
    super::lexicon::fold(title)
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join("-")
}

fn file_error(file: &str, line: usize, reason: String) -> KnowledgeError {
    KnowledgeError::File {
        file: file.to_owned(),
        line,
        reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(name: &str, source: &str) -> Vec<(NewKbEntry, usize)> {
        parse_file(name, name, source).expect("parses")
    }

    fn error(name: &str, source: &str) -> String {
        parse_file(name, name, source)
            .expect_err("fails")
            .to_string()
    }

    #[test]
    fn one_entry_per_second_level_heading() {
        let entries = parse(
            "shop.md",
            "# Demo shop\nIgnored intro.\n\n## Returns {#returns}\nUnused items: 30 days.\n\n### Details\nFull refund.\n## Support hours\n\nMon-Fri 9-17.\n",
        );
        assert_eq!(entries.len(), 2);
        let (returns, line) = &entries[0];
        assert_eq!((returns.id().as_str(), *line), ("returns", 4));
        assert_eq!(returns.title(), "Returns");
        assert_eq!(
            returns.text(),
            "Unused items: 30 days.\n\n### Details\nFull refund."
        );
        assert_eq!(returns.locale(), Locale::En);
        assert_eq!(entries[1].0.id().as_str(), "support-hours");
        assert_eq!(entries[1].0.text(), "Mon-Fri 9-17.");
    }

    #[test]
    fn locale_comes_from_the_file_name_or_a_comment_under_the_heading() {
        let entries = parse(
            "shop.es.md",
            "## Envíos y entregas\nTres días.\n## Retours\n<!-- locale: fr -->\n30 jours.\n## Devoluciones {#returns.es}\n30 días.\n",
        );
        let ids: Vec<_> = entries
            .iter()
            .map(|(e, _)| (e.id().as_str(), e.locale()))
            .collect();
        assert_eq!(
            ids,
            [
                ("envios-y-entregas.es", Locale::Es),
                ("retours.fr", Locale::Fr),
                ("returns.es", Locale::Es)
            ]
        );
        assert_eq!(entries[1].0.text(), "30 jours.");
    }

    #[test]
    fn slugs_are_ascii_lowercase_words() {
        assert_eq!(
            slug("Größe & Gewicht — Überblick"),
            "grosse-gewicht-uberblick"
        );
        assert_eq!(slug("  ¿Cuánto tarda?  "), "cuanto-tarda");
        assert_eq!(slug("¿?"), "");
    }

    #[test]
    fn malformed_files_are_errors_naming_file_and_line() {
        let e = error("shop.md", "## Returns\n\n## Shipping\nFast.\n");
        assert!(e.starts_with("shop.md:1:") && e.contains("no text"), "{e}");
        let e = error("shop.md", "intro\n## Returns {#bad id}\ntext\n");
        assert!(e.starts_with("shop.md:2:") && e.contains("bad id"), "{e}");
        let e = error("shop.md", "## ¿?\ntext\n");
        assert!(e.contains("cannot derive an id"), "{e}");
        let e = error("shop.xx.md", "## A\ntext\n");
        assert!(e.contains("unknown locale code"), "{e}");
        let e = error("shop.md", "## A\n<!-- locale: klingon -->\ntext\n");
        assert!(e.starts_with("shop.md:2:"), "{e}");
        let e = error("shop.md", &format!("## A\n{}\n", "x".repeat(8_001)));
        assert!(e.contains("text must be"), "{e}");
    }

    #[test]
    fn duplicate_ids_across_files_are_an_error() {
        let dir = tempfile::tempdir().expect("dir");
        std::fs::write(dir.path().join("a.md"), "## Returns\nA.\n").expect("write");
        std::fs::write(dir.path().join("b.md"), "x\n## Other {#returns}\nB.\n").expect("write");
        let e = load_dir(dir.path()).expect_err("duplicate").to_string();
        assert!(e.contains("b.md:2") && e.contains("a.md:1"), "{e}");
    }

    #[test]
    fn headings_inside_code_fences_are_text_and_missing_folders_are_empty() {
        let entries = parse("x.md", "## A\n```\n## not a heading\n```\n");
        assert_eq!(entries.len(), 1);
        assert!(entries[0].0.text().contains("## not a heading"));
        assert!(load_dir(Path::new("/nonexistent/kb"))
            .expect("ok")
            .is_empty());
    }

    #[test]
    fn credential_lines_are_dropped_and_mentions_kept() {
        let entries = parse(
            "shop.md",
            "## Payment {#payment}\nCards and bank transfer.\nStaff wifi password: CANARY-71f3\nWe never ask for a password or a full card number in chat.\n",
        );
        assert_eq!(
            entries[0].0.text(),
            "Cards and bank transfer.\nWe never ask for a password or a full card number in chat."
        );
        let e = error("shop.md", "## Secrets\ntoken=abc123\n");
        assert!(e.contains("no text"), "{e}");
    }
}
