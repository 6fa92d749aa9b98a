//! The phrase books: one phrase file per locale under
//! `prompts/<book>/<code>.txt`, read at start (or the copy built into the
//! binary when a file does not exist).

use std::path::Path;

use super::list::{PhraseError, PhraseList};
use crate::domain::Locale;

/// Which phrase book: its folder under `prompts/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Book {
    /// `prompts/handoff/`: requests for a person, dissatisfaction.
    Handoff,
    /// `prompts/identity/`: "am I talking to a bot?".
    Identity,
    /// `prompts/output/`: human claims and fake urgency in model output.
    Output,
}

impl Book {
    pub(super) fn folder(self) -> &'static str {
        match self {
            Book::Handoff => "handoff",
            Book::Identity => "identity",
            Book::Output => "output",
        }
    }
}

/// The phrase lists of every supported locale.
#[derive(Debug, Clone)]
pub struct PhraseBook {
    /// Indexed by [`Locale::index`].
    pub(super) lists: Vec<PhraseList>,
}

impl PhraseBook {
    /// Reads `<prompts_dir>/<folder>/<code>.txt` for every locale, using the
    /// copy built into the binary for any file that does not exist.
    pub fn load(prompts_dir: &Path, book: Book) -> Result<Self, PhraseError> {
        let lists = Locale::ALL
            .into_iter()
            .map(|locale| {
                let path = prompts_dir
                    .join(book.folder())
                    .join(format!("{}.txt", locale.code()));
                match std::fs::read_to_string(&path) {
                    Ok(source) => PhraseList::parse(&path.display().to_string(), &source),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                        parse_builtin(book, locale)
                    }
                    Err(source) => Err(PhraseError::Read { path, source }),
                }
            })
            .collect::<Result<_, _>>()?;
        Ok(Self { lists })
    }

    /// The phrase lists built into the binary.
    pub fn builtin(book: Book) -> Result<Self, PhraseError> {
        let lists = Locale::ALL
            .into_iter()
            .map(|locale| parse_builtin(book, locale))
            .collect::<Result<_, _>>()?;
        Ok(Self { lists })
    }

    /// The visitor's locale's list first, then every other one.
    pub(super) fn ordered(&self, locale: Locale) -> Vec<&PhraseList> {
        let order = std::iter::once(locale).chain(Locale::ALL.into_iter().filter(|l| *l != locale));
        order.filter_map(|l| self.lists.get(l.index())).collect()
    }
}

fn parse_builtin(book: Book, locale: Locale) -> Result<PhraseList, PhraseError> {
    let source = match (book, locale) {
        (Book::Handoff, Locale::En) => include_str!("../../../prompts/handoff/en.txt"),
        (Book::Handoff, Locale::Es) => include_str!("../../../prompts/handoff/es.txt"),
        (Book::Handoff, Locale::Fr) => include_str!("../../../prompts/handoff/fr.txt"),
        (Book::Handoff, Locale::De) => include_str!("../../../prompts/handoff/de.txt"),
        (Book::Handoff, Locale::Pt) => include_str!("../../../prompts/handoff/pt.txt"),
        (Book::Handoff, Locale::It) => include_str!("../../../prompts/handoff/it.txt"),
        (Book::Handoff, Locale::Nl) => include_str!("../../../prompts/handoff/nl.txt"),
        (Book::Identity, Locale::En) => include_str!("../../../prompts/identity/en.txt"),
        (Book::Identity, Locale::Es) => include_str!("../../../prompts/identity/es.txt"),
        (Book::Identity, Locale::Fr) => include_str!("../../../prompts/identity/fr.txt"),
        (Book::Identity, Locale::De) => include_str!("../../../prompts/identity/de.txt"),
        (Book::Identity, Locale::Pt) => include_str!("../../../prompts/identity/pt.txt"),
        (Book::Identity, Locale::It) => include_str!("../../../prompts/identity/it.txt"),
        (Book::Identity, Locale::Nl) => include_str!("../../../prompts/identity/nl.txt"),
        (Book::Output, Locale::En) => include_str!("../../../prompts/output/en.txt"),
        (Book::Output, Locale::Es) => include_str!("../../../prompts/output/es.txt"),
        (Book::Output, Locale::Fr) => include_str!("../../../prompts/output/fr.txt"),
        (Book::Output, Locale::De) => include_str!("../../../prompts/output/de.txt"),
        (Book::Output, Locale::Pt) => include_str!("../../../prompts/output/pt.txt"),
        (Book::Output, Locale::It) => include_str!("../../../prompts/output/it.txt"),
        (Book::Output, Locale::Nl) => include_str!("../../../prompts/output/nl.txt"),
    };
    PhraseList::parse(
        &format!("built-in {}/{}.txt", book.folder(), locale.code()),
        source,
    )
}
