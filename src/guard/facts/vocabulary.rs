//! The words the fact check reads values by, per locale
//! (`prompts/facts/<code>.toml`): spelled-out numbers, month names, order
//! statuses, units, currencies, and the small words around them. Each
//! locale is read together with English, because the small model often
//! answers in English whatever the widget's language.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

use serde::Deserialize;

use super::lexer::{fold, lex, Tok, Token};
use super::table::{phrase_keys, Phrases};
use super::value::{Unit, DURATIONS, MEASURES, STATUSES};
use crate::domain::Locale;

/// A fact vocabulary file could not be read or is invalid.
#[derive(Debug, thiserror::Error)]
pub enum FactVocabularyError {
    /// The file exists but could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The file does not follow the format described in `prompts/facts/en.toml`.
    #[error("invalid fact vocabulary {file}: {reason}")]
    Invalid {
        /// The file (or built-in copy).
        file: String,
        /// What is wrong.
        reason: String,
    },
}

/// One `prompts/facts/<code>.toml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct VocabularyFile {
    ignore: Vec<String>,
    number_joiners: Vec<String>,
    date_joiners: Vec<String>,
    ordinal_suffixes: Vec<String>,
    range_words: Vec<String>,
    percent_words: Vec<String>,
    clock_words: Vec<String>,
    unit_fillers: Vec<String>,
    space_thousands: bool,
    status_modals: Vec<String>,
    status_modals_after: Vec<String>,
    numbers: BTreeMap<String, u64>,
    number_parts: BTreeMap<String, u64>,
    months: BTreeMap<String, u8>,
    statuses: BTreeMap<String, Vec<String>>,
    units: BTreeMap<String, Vec<String>>,
    currencies: BTreeMap<String, Vec<String>>,
}

/// The merged word lists one locale reads with.
#[derive(Debug, Clone)]
pub(crate) struct Reader {
    /// A plain space groups thousands ("1 000").
    pub space_thousands: bool,
    /// Numeric dates may be month first ("11/20/2026"), besides day first.
    pub month_first: bool,
    /// Spelled-out numbers, several words joined by one space ("quatre vingt").
    pub numbers: HashMap<String, u64>,
    /// Number words that only count next to another number word.
    pub number_parts: HashMap<String, u64>,
    /// First words of the spelled-out numbers that have several words.
    pub number_starts: HashSet<String>,
    /// First two letters of every number word (a compound starts with one).
    pub compound_starts: HashSet<String>,
    /// Bytes in the longest number word.
    pub longest_number_word: usize,
    pub number_joiners: HashSet<String>,
    pub date_joiners: HashSet<String>,
    pub ordinal_suffixes: HashSet<String>,
    pub range_words: HashSet<String>,
    pub unit_fillers: HashSet<String>,
    /// Before a status word: it states a possibility or a rule ("can be returned").
    pub status_modals: HashSet<String>,
    /// The same right after a status word ("zurückgeschickt werden").
    pub status_modals_after: HashSet<String>,
    pub months: HashMap<String, u8>,
    /// Units, currencies and percent words.
    pub units: Phrases<Unit>,
    pub clock: Phrases<()>,
    /// Status words, compared with accents.
    pub statuses: Phrases<u8>,
    /// Every word (folded) and symbol a value can be made of: number
    /// words, months, status words, units, currencies, clock words.
    pub value_words: HashSet<String>,
    /// Every word (folded) that can stand inside or right after a value
    /// without being one: joiners, range words, fillers, ordinal suffixes.
    pub value_connectors: HashSet<String>,
}

impl Reader {
    /// Whether a word glued to digits makes them a quantity, not a code
    /// ("100g", "2nd", "30-day", "x2").
    pub(crate) fn is_unit_like(&self, word: &str) -> bool {
        let folded = fold(word);
        let tokens = lex(&folded, false);
        folded == "x"
            || self.ordinal_suffixes.contains(&folded)
            || self
                .units
                .find(&tokens, 0)
                .is_some_and(|(n, _)| n == tokens.len())
            || self
                .clock
                .find(&tokens, 0)
                .is_some_and(|(n, _)| n == tokens.len())
    }
}

/// The fact vocabulary of every supported locale, ready to read with.
#[derive(Debug, Clone)]
pub struct FactVocabulary {
    /// Indexed by [`Locale::index`].
    readers: Vec<Reader>,
}

fn builtin_source(locale: Locale) -> &'static str {
    match locale {
        Locale::En => include_str!("../../../prompts/facts/en.toml"),
        Locale::Es => include_str!("../../../prompts/facts/es.toml"),
        Locale::Fr => include_str!("../../../prompts/facts/fr.toml"),
        Locale::De => include_str!("../../../prompts/facts/de.toml"),
        Locale::Pt => include_str!("../../../prompts/facts/pt.toml"),
        Locale::It => include_str!("../../../prompts/facts/it.toml"),
        Locale::Nl => include_str!("../../../prompts/facts/nl.toml"),
    }
}

impl FactVocabulary {
    /// Reads `<prompts_dir>/facts/<code>.toml` for every locale, using the
    /// copy built into the binary for any file that does not exist.
    pub fn load(prompts_dir: &Path) -> Result<Self, FactVocabularyError> {
        let mut files = Vec::with_capacity(Locale::ALL.len());
        for locale in Locale::ALL {
            let path = prompts_dir
                .join("facts")
                .join(format!("{}.toml", locale.code()));
            let (name, source) = match std::fs::read_to_string(&path) {
                Ok(text) => (path.display().to_string(), text),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => (
                    format!("built-in facts/{}.toml", locale.code()),
                    builtin_source(locale).to_owned(),
                ),
                Err(source) => {
                    return Err(FactVocabularyError::Read {
                        path: path.display().to_string(),
                        source,
                    })
                }
            };
            files.push(parse(&name, &source)?);
        }
        Self::from_files(&files)
    }

    /// The vocabulary built into the binary.
    pub fn builtin() -> Result<Self, FactVocabularyError> {
        let files = Locale::ALL
            .into_iter()
            .map(|l| {
                parse(
                    &format!("built-in facts/{}.toml", l.code()),
                    builtin_source(l),
                )
            })
            .collect::<Result<Vec<_>, _>>()?;
        Self::from_files(&files)
    }

    fn from_files(files: &[(String, VocabularyFile)]) -> Result<Self, FactVocabularyError> {
        let english = &files[Locale::En.index()];
        let readers = Locale::ALL
            .into_iter()
            .map(|locale| {
                let own = &files[locale.index()];
                let mut merged = vec![own];
                if locale != Locale::En {
                    merged.push(english);
                }
                build_reader(locale, &merged)
            })
            .collect::<Result<_, _>>()?;
        Ok(Self { readers })
    }

    pub(crate) fn reader(&self, locale: Locale) -> &Reader {
        &self.readers[locale.index()]
    }
}

fn parse(name: &str, source: &str) -> Result<(String, VocabularyFile), FactVocabularyError> {
    let file: VocabularyFile =
        toml::from_str(source).map_err(|e| FactVocabularyError::Invalid {
            file: name.to_owned(),
            reason: e.to_string(),
        })?;
    Ok((name.to_owned(), file))
}

fn build_reader(
    locale: Locale,
    files: &[&(String, VocabularyFile)],
) -> Result<Reader, FactVocabularyError> {
    let (own_name, own) = files[0];
    let invalid = |file: &str, reason: String| FactVocabularyError::Invalid {
        file: file.to_owned(),
        reason,
    };
    let ignore: HashSet<String> = own.ignore.iter().map(|w| fold(w)).collect();
    let mut reader = Reader {
        space_thousands: own.space_thousands,
        month_first: locale == Locale::En,
        numbers: HashMap::new(),
        number_parts: HashMap::new(),
        number_starts: HashSet::new(),
        compound_starts: HashSet::new(),
        longest_number_word: 0,
        number_joiners: HashSet::new(),
        date_joiners: HashSet::new(),
        ordinal_suffixes: HashSet::new(),
        range_words: HashSet::new(),
        unit_fillers: HashSet::new(),
        status_modals: HashSet::new(),
        status_modals_after: HashSet::new(),
        months: HashMap::new(),
        units: Phrases::new(false),
        clock: Phrases::new(false),
        statuses: Phrases::new(true),
        value_words: HashSet::new(),
        value_connectors: HashSet::new(),
    };
    let words = |list: &[String]| -> HashSet<String> {
        list.iter()
            .map(|w| fold(w))
            .filter(|w| !ignore.contains(w))
            .collect()
    };
    for (name, file) in files.iter().map(|f| (&f.0, &f.1)) {
        let keep = |keys: &[String]| !keys.is_empty() && !keys.iter().any(|k| ignore.contains(k));
        for (table, target) in [
            (&file.numbers, &mut reader.numbers),
            (&file.number_parts, &mut reader.number_parts),
        ] {
            for (word, value) in table {
                if *value == 0 {
                    return Err(invalid(name, format!("number `{word}` must be above 0")));
                }
                let keys: Vec<String> = lex(word, false)
                    .iter()
                    .filter_map(|t| t.kind.folded().map(str::to_owned))
                    .collect();
                if keep(&keys) {
                    // The locale's own meaning wins over English.
                    target.entry(keys.join(" ")).or_insert(*value);
                }
            }
        }
        reader.number_joiners.extend(words(&file.number_joiners));
        reader.date_joiners.extend(words(&file.date_joiners));
        reader
            .ordinal_suffixes
            .extend(words(&file.ordinal_suffixes));
        reader.range_words.extend(words(&file.range_words));
        reader.unit_fillers.extend(words(&file.unit_fillers));
        reader.status_modals.extend(words(&file.status_modals));
        reader
            .status_modals_after
            .extend(words(&file.status_modals_after));
        for (word, month) in &file.months {
            if !(1..=12).contains(month) {
                return Err(invalid(name, format!("month `{word}` must be 1 to 12")));
            }
            let word = fold(word);
            if !ignore.contains(&word) {
                reader.months.entry(word).or_insert(*month);
            }
        }
        for (status, forms) in &file.statuses {
            let index = STATUSES.iter().position(|s| s == status).ok_or_else(|| {
                invalid(
                    name,
                    format!("unknown status `{status}` (known: {STATUSES:?})"),
                )
            })?;
            for form in forms {
                let keys = phrase_keys(form, true);
                if keep(&keys) {
                    reader.statuses.insert(keys, index as u8);
                }
            }
        }
        let mut units: Vec<(Unit, &Vec<String>)> = Vec::new();
        for (unit, forms) in &file.units {
            let unit = unit_of(unit).ok_or_else(|| {
                invalid(
                    name,
                    format!("unknown unit `{unit}` (known: {DURATIONS:?}, {MEASURES:?})"),
                )
            })?;
            units.push((unit, forms));
        }
        for (code, forms) in &file.currencies {
            let bytes: [u8; 3] = code
                .as_bytes()
                .try_into()
                .ok()
                .filter(|b: &[u8; 3]| b.iter().all(u8::is_ascii_uppercase))
                .ok_or_else(|| invalid(name, format!("`{code}` is not an ISO currency code")))?;
            units.push((Unit::Currency(bytes), forms));
        }
        units.push((Unit::Percent, &file.percent_words));
        for (unit, forms) in units {
            for form in forms {
                let keys = phrase_keys(form, false);
                if keep(&keys) {
                    reader.units.insert(keys, unit);
                }
            }
        }
        for form in &file.clock_words {
            let keys = phrase_keys(form, false);
            if keep(&keys) {
                reader.clock.insert(keys, ());
            }
        }
    }
    for name in reader.numbers.keys().chain(reader.number_parts.keys()) {
        match name.split_once(' ') {
            Some((first, _)) => {
                reader.number_starts.insert(first.to_owned());
            }
            None => {
                reader.longest_number_word = reader.longest_number_word.max(name.len());
                reader
                    .compound_starts
                    .insert(name.chars().take(2).collect());
            }
        }
    }
    collect_value_words(&mut reader);
    if reader.numbers.is_empty() || reader.months.len() < 12 {
        return Err(invalid(
            own_name,
            "numbers and all twelve months are required".into(),
        ));
    }
    Ok(reader)
}

/// Fills [`Reader::value_words`] and [`Reader::value_connectors`] from
/// the reader's tables.
fn collect_value_words(reader: &mut Reader) {
    let mut words: HashSet<String> = HashSet::new();
    let names = reader.numbers.keys().chain(reader.number_parts.keys());
    words.extend(names.flat_map(|n| n.split(' ')).map(str::to_owned));
    words.extend(reader.months.keys().cloned());
    for key in reader
        .statuses
        .keys()
        .chain(reader.units.keys())
        .chain(reader.clock.keys())
    {
        words.insert(fold(key));
        words.insert(key.to_owned());
    }
    reader.value_words = words;
    reader.value_connectors = [
        &reader.number_joiners,
        &reader.date_joiners,
        &reader.ordinal_suffixes,
        &reader.range_words,
        &reader.unit_fillers,
        &reader.status_modals_after,
    ]
    .into_iter()
    .flatten()
    .cloned()
    .collect();
}

fn unit_of(name: &str) -> Option<Unit> {
    let index = |list: &[&str]| {
        list.iter()
            .position(|u| *u == name)
            .and_then(|i| u8::try_from(i).ok())
    };
    index(&DURATIONS)
        .map(Unit::Duration)
        .or_else(|| index(&MEASURES).map(Unit::Measure))
}

/// Whether `token` is a word in `set`.
pub(crate) fn word_in(token: Option<&Token>, set: &HashSet<String>) -> bool {
    matches!(token.map(|t| &t.kind), Some(Tok::Word { folded, .. }) if set.contains(folded))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_vocabulary_loads_and_merges_english() {
        let vocabulary = FactVocabulary::builtin().expect("built-in vocabularies are valid");
        let de = vocabulary.reader(Locale::De);
        assert_eq!(de.numbers.get("zwolf"), Some(&12));
        assert_eq!(de.numbers.get("twelve"), Some(&12), "English is merged in");
        assert_eq!(de.months.get("marz"), Some(&3));
        let fr = vocabulary.reader(Locale::Fr);
        assert_eq!(fr.numbers.get("quatre vingt"), Some(&80));
        assert!(!fr.numbers.contains_key("neuf") && fr.number_parts.contains_key("neuf"));
        let nl = vocabulary.reader(Locale::Nl);
        assert!(
            !nl.numbers.contains_key("ten"),
            "Dutch ignores English `ten`"
        );
        assert!(vocabulary.reader(Locale::En).is_unit_like("g"));
        assert!(!vocabulary.reader(Locale::En).is_unit_like("hx"));
    }

    #[test]
    fn a_file_in_the_prompts_folder_replaces_the_builtin_and_is_checked() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir(dir.path().join("facts")).expect("mkdir");
        let bad = builtin_source(Locale::It).replace("shipped =", "sent =");
        std::fs::write(dir.path().join("facts/it.toml"), bad).expect("write");
        let err = FactVocabulary::load(dir.path()).expect_err("unknown status");
        assert!(err.to_string().contains("unknown status `sent`"), "{err}");
        let extra = builtin_source(Locale::It).replace("tre = 3", "tre = 3\ntrio = 3");
        std::fs::write(dir.path().join("facts/it.toml"), extra).expect("write");
        let loaded = FactVocabulary::load(dir.path()).expect("loads");
        assert_eq!(loaded.reader(Locale::It).numbers.get("trio"), Some(&3));
    }
}
