//! The shop's knowledge base: FAQ and policy entries (Markdown files under
//! `<prompts_dir>/kb/`, format in [`markdown`], and the admin API), their
//! sentence embeddings (all-MiniLM-L6-v2 through candle's BERT), and hybrid
//! retrieval (BM25 + cosine, see [`Hit`]) with a relevance threshold.
//!
//! Entries are nothing personal: they are not part of export or erasure.
//! Credential values never enter an entry: files lose such lines at load
//! (with a warning naming the entry id), the API refuses them.

mod embedder;
mod error;
mod index;
mod lexicon;
pub mod markdown;
mod memo;
mod retrieve;
mod service;
mod settings;

pub use crate::domain::{
    parse_locale, EntryError, EntrySource, KbEntry, KbEntryId, NewKbEntry, MAX_TEXT_CHARS,
    MAX_TITLE_CHARS,
};
pub use crate::domain::{Embedding, DIMS};
pub use embedder::{Embedder, MODEL_ID};
pub use error::KnowledgeError;
pub use lexicon::{fold, Lexicon};
pub use retrieve::Hit;
pub use service::{Knowledge, Retrieval, RetrievalTimings};
pub use settings::KnowledgeSettings;
