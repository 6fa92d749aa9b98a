//! Knowledge-base entries: the id newtype, a validated entry to write, and
//! the stored entry retrieval hands out.

use serde::Serialize;

use super::Locale;

/// Longest entry title, in characters.
pub const MAX_TITLE_CHARS: usize = 200;
/// Longest entry text, in characters (well under the 64 KiB body limit).
pub const MAX_TEXT_CHARS: usize = 8_000;

/// A knowledge-base entry id: 1..=128 characters of `[A-Za-z0-9_.:-]`, the
/// alphabet of customer ids (e.g. `returns`, `returns.es`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct KbEntryId(String);

crate::domain::identifier_newtype!(KbEntryId, "entry id");

/// Where an entry came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntrySource {
    /// A Markdown file under `<prompts_dir>/kb/`, loaded at start.
    File,
    /// `PUT /v1/admin/kb/{entry_id}`.
    Api,
}

impl EntrySource {
    /// The value stored in `kb_entries.source`.
    pub fn as_str(self) -> &'static str {
        match self {
            EntrySource::File => "file",
            EntrySource::Api => "api",
        }
    }

    /// Reads a stored value.
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "file" => Some(EntrySource::File),
            "api" => Some(EntrySource::Api),
            _ => None,
        }
    }
}

/// Why a title or text cannot become an entry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EntryError {
    /// The title is empty or longer than [`MAX_TITLE_CHARS`].
    #[error("title must be 1-{MAX_TITLE_CHARS} characters")]
    Title,
    /// The text is empty or longer than [`MAX_TEXT_CHARS`].
    #[error("text must be 1-{MAX_TEXT_CHARS} characters")]
    Text,
}

/// An entry about to be written: trimmed, non-empty, within the length caps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewKbEntry {
    id: KbEntryId,
    title: String,
    text: String,
    locale: Locale,
    source: EntrySource,
}

impl NewKbEntry {
    /// Validates title and text (trimmed; control characters other than
    /// newlines and tabs become spaces).
    pub fn new(
        id: KbEntryId,
        title: &str,
        text: &str,
        locale: Locale,
        source: EntrySource,
    ) -> Result<Self, EntryError> {
        let title = clean(title).replace(['\n', '\t'], " ");
        let text = clean(text);
        if title.is_empty() || title.chars().count() > MAX_TITLE_CHARS {
            return Err(EntryError::Title);
        }
        if text.is_empty() || text.chars().count() > MAX_TEXT_CHARS {
            return Err(EntryError::Text);
        }
        Ok(Self {
            id,
            title,
            text,
            locale,
            source,
        })
    }

    /// The id.
    pub fn id(&self) -> &KbEntryId {
        &self.id
    }

    /// The title.
    pub fn title(&self) -> &str {
        &self.title
    }

    /// The text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The language of title and text.
    pub fn locale(&self) -> Locale {
        self.locale
    }

    /// Where it came from.
    pub fn source(&self) -> EntrySource {
        self.source
    }

    /// What the embedding model reads for this entry.
    pub fn embedding_input(&self) -> String {
        embedding_input(&self.title, &self.text)
    }
}

/// The text embedded for an entry: title, newline, text (the model reads
/// its first 256 tokens; BM25 reads all of it).
pub(crate) fn embedding_input(title: &str, text: &str) -> String {
    format!("{title}\n{text}")
}

fn clean(raw: &str) -> String {
    raw.replace("\r\n", "\n")
        .chars()
        .map(|c| {
            if c.is_control() && c != '\n' && c != '\t' {
                ' '
            } else {
                c
            }
        })
        .collect::<String>()
        .trim()
        .to_owned()
}

/// A stored entry, as retrieval and `GET /v1/admin/kb` hand it out.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KbEntry {
    /// The id.
    pub id: KbEntryId,
    /// The title (a heading or a question).
    pub title: String,
    /// The text; credential-shaped lines never get this far.
    pub text: String,
    /// Its language.
    pub locale: Locale,
    /// Last change, Unix milliseconds.
    pub updated_at: i64,
}

/// Reads a locale code strictly: `en`, `es-MX`, `pt_BR` are fine, an
/// unsupported language is `None` (a KB entry is never silently English).
pub fn parse_locale(tag: &str) -> Option<Locale> {
    let primary = tag.split(['-', '_']).next()?.to_ascii_lowercase();
    Locale::ALL.into_iter().find(|l| l.code() == primary)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(raw: &str) -> KbEntryId {
        KbEntryId::parse(raw).expect("valid id")
    }

    #[test]
    fn ids_use_the_customer_id_alphabet() {
        assert!(KbEntryId::parse("returns.es").is_ok());
        assert!(KbEntryId::parse("a:b_c-1").is_ok());
        assert!(KbEntryId::parse("").is_err());
        assert!(KbEntryId::parse("with space").is_err());
        assert!(KbEntryId::parse("ré").is_err());
        assert!(KbEntryId::parse(&"x".repeat(129)).is_err());
    }

    #[test]
    fn entries_are_trimmed_and_bounded() {
        let e = NewKbEntry::new(
            id("a"),
            "  Returns\n",
            "\r\n 30 days. \u{7}",
            Locale::En,
            EntrySource::Api,
        )
        .expect("valid");
        assert_eq!(e.title(), "Returns");
        assert_eq!(e.text(), "30 days.");
        let new = |title: &str, text: &str| {
            NewKbEntry::new(id("a"), title, text, Locale::En, EntrySource::Api)
        };
        assert_eq!(new(" ", "t"), Err(EntryError::Title));
        assert_eq!(new("t", "\n\n"), Err(EntryError::Text));
        assert_eq!(new(&"t".repeat(201), "t"), Err(EntryError::Title));
        assert_eq!(new("t", &"t".repeat(8_001)), Err(EntryError::Text));
        assert!(new(&"t".repeat(200), &"t".repeat(8_000)).is_ok());
    }

    #[test]
    fn locales_are_parsed_strictly() {
        assert_eq!(parse_locale("es-MX"), Some(Locale::Es));
        assert_eq!(parse_locale("NL"), Some(Locale::Nl));
        assert_eq!(parse_locale("xx"), None);
        assert_eq!(parse_locale(""), None);
    }
}
