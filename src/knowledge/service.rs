//! [`Knowledge`]: the knowledge base as the rest of Candor uses it. It
//! loads the Markdown files at start, writes entries with their embeddings,
//! and answers retrievals from an in-memory index that it rebuilds when the
//! store's knowledge-base version moved (a write through this instance's API
//! or another instance's on the same PostgreSQL).

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use super::embedder::{Embedder, MODEL_ID};
use super::index::{Index, IndexInput};
use super::lexicon::Lexicon;
use super::retrieve::{rank, Hit};
use super::{
    markdown, Embedding, EntrySource, KbEntry, KbEntryId, KnowledgeError, KnowledgeSettings,
    NewKbEntry,
};
use crate::domain::Locale;
use crate::store::{Store, StoredKbEntry};

/// The audit actor of entries loaded from files.
const FILE_ACTOR: &str = "system";

/// The result of one retrieval, with what it cost.
#[derive(Debug, Clone)]
pub struct Retrieval {
    /// Relevant entries, best first; empty means "nothing relevant".
    pub hits: Vec<Hit>,
    /// The question's embedding (`None` when the model was busy or failed;
    /// the ranking was then lexical only).
    pub query: Option<Embedding>,
    /// Question terms (stemmed, stop words dropped) that no entry of the
    /// searched locale holds: topics the knowledge base never mentions.
    /// Empty when an English best hit is semantically close enough to vouch
    /// for them (`[knowledge] semantic_covers_unknown`).
    pub unknown_terms: Vec<String>,
    /// Where the time went.
    pub timings: RetrievalTimings,
}

/// Time spent in each part of a retrieval.
#[derive(Debug, Clone, Copy, Default)]
pub struct RetrievalTimings {
    /// Checking the store's version (and rebuilding the index if it moved).
    pub freshness: Duration,
    /// Embedding the question.
    pub embedding: Duration,
    /// Lexical and semantic scoring and ranking.
    pub scoring: Duration,
    /// All of it.
    pub total: Duration,
}

/// The knowledge base; share it as `Arc<Knowledge>`.
pub struct Knowledge {
    store: Store,
    embedder: Arc<Embedder>,
    lexicon: Lexicon,
    settings: KnowledgeSettings,
    index: RwLock<Arc<Index>>,
    rebuild: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for Knowledge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Knowledge")
            .field("version", &self.current().version)
            .finish_non_exhaustive()
    }
}

impl Knowledge {
    /// Loads the embedding model and `<prompts_dir>/kb_lexicon/`, syncs
    /// `<prompts_dir>/kb/*.md` into the store (changed entries are written
    /// and embedded, unchanged ones keep their stored embedding, file
    /// entries whose section is gone are deleted), embeds any entry whose
    /// stored embedding is missing or from another model, and builds the index.
    pub async fn start(
        store: Store,
        settings: &KnowledgeSettings,
        prompts_dir: &Path,
    ) -> Result<Arc<Self>, KnowledgeError> {
        settings.check()?;
        let lexicon = Lexicon::load(prompts_dir)?;
        let files = markdown::load_dir(&prompts_dir.join("kb"))?;
        let model_dir = settings.model_dir.clone();
        let embedder = tokio::task::spawn_blocking(move || Embedder::shared(&model_dir))
            .await
            .map_err(|e| KnowledgeError::Embedding(e.to_string()))??;
        let knowledge = Self {
            store,
            embedder,
            lexicon,
            settings: settings.clone(),
            index: RwLock::new(Arc::new(Index::default())),
            rebuild: tokio::sync::Mutex::new(()),
        };
        knowledge.sync_files(files).await?;
        knowledge.refresh(true).await?;
        tracing::info!(
            entries = knowledge.current().entries().count(),
            "knowledge base ready"
        );
        Ok(Arc::new(knowledge))
    }

    /// The relevant entries for `question` in `locale`, best first (see
    /// [`Knowledge::search`]).
    pub async fn retrieve(&self, locale: Locale, question: &str) -> Vec<Hit> {
        self.search(locale, question).await.hits
    }

    /// Retrieval with the question's embedding and timings. Searches the
    /// entries of `locale`, or the English entries when `locale` has none at
    /// all. Never fails: when the store cannot be asked for its version the
    /// loaded index is used, and when the model is busy the ranking is lexical.
    pub async fn search(&self, locale: Locale, question: &str) -> Retrieval {
        let start = Instant::now();
        if let Err(error) = self.refresh(false).await {
            tracing::warn!(%error, "knowledge base freshness check failed; using the loaded index");
        }
        let freshness = start.elapsed();
        let index = self.current();
        let Some((index_locale, entries)) = index.for_locale(locale) else {
            return Retrieval {
                hits: Vec::new(),
                query: None,
                unknown_terms: Vec::new(),
                timings: RetrievalTimings {
                    freshness,
                    total: start.elapsed(),
                    ..RetrievalTimings::default()
                },
            };
        };
        let embed_start = Instant::now();
        let query = match self.embedder.try_embed(question).await {
            Ok(query) => Some(query),
            Err(error) => {
                tracing::warn!(%error, "question not embedded; lexical ranking only");
                None
            }
        };
        let embedding = embed_start.elapsed();
        let score_start = Instant::now();
        let terms: Vec<String> = self
            .lexicon
            .terms(index_locale, question)
            .into_iter()
            .filter(|t| !self.lexicon.is_stop_word(locale, t))
            .collect();
        let english = locale == Locale::En;
        let hits = rank(entries, &terms, query.as_ref(), english, &self.settings);
        let vouched = english
            && hits
                .first()
                .is_some_and(|h| h.semantic >= self.settings.semantic_covers_unknown);
        let unknown_terms = if vouched {
            Vec::new()
        } else {
            entries.unknown_terms(&terms)
        };
        let scoring = score_start.elapsed();
        Retrieval {
            hits,
            query,
            unknown_terms,
            timings: RetrievalTimings {
                freshness,
                embedding,
                scoring,
                total: start.elapsed(),
            },
        }
    }

    /// The sentence embedding of `text` (for sentence-level scoring), waiting
    /// for the model when it is busy.
    pub async fn embed(&self, text: &str) -> Result<Embedding, KnowledgeError> {
        let mut vectors = self.embedder.embed_all(vec![text.to_owned()]).await?;
        vectors.pop().ok_or(KnowledgeError::Stopped)
    }

    /// The sentence embeddings of `texts`, in order, computed together
    /// (cheaper than one by one), waiting for the model when it is busy.
    pub async fn embed_batch(&self, texts: Vec<String>) -> Result<Vec<Embedding>, KnowledgeError> {
        self.embedder.embed_all(texts).await
    }

    /// The lexical terms of `text` in `locale` (folded, stop words dropped,
    /// stemmed), as BM25 sees them.
    pub fn terms(&self, locale: Locale, text: &str) -> Vec<String> {
        self.lexicon.terms(locale, text)
    }

    /// The relevance threshold in use (`[knowledge] min_score`).
    pub fn min_score(&self) -> f32 {
        self.settings.min_score
    }

    /// An entry of the loaded index by id (e.g. to name a citation).
    pub fn entry(&self, id: &KbEntryId) -> Option<Arc<KbEntry>> {
        self.current().entries().find(|e| &e.id == id).cloned()
    }

    /// Embeds and stores `entry` (the admin API); returns whether it was
    /// created. Takes effect for the next retrieval on every instance.
    pub async fn put(&self, entry: &NewKbEntry, actor: &str) -> Result<bool, KnowledgeError> {
        let embedding = self.embed(&entry.embedding_input()).await?;
        Ok(self
            .store
            .upsert_kb_entry(entry, &embedding, MODEL_ID, actor)
            .await?)
    }

    /// Deletes an entry; `StoreError::NotFound` inside when there is none.
    pub async fn delete(&self, id: &KbEntryId, actor: &str) -> Result<(), KnowledgeError> {
        Ok(self.store.delete_kb_entry(id, actor).await?)
    }

    /// Every stored entry, by id.
    pub async fn list(&self) -> Result<Vec<KbEntry>, KnowledgeError> {
        Ok(self
            .store
            .kb_entries()
            .await?
            .into_iter()
            .map(|s| s.entry)
            .collect())
    }

    fn current(&self) -> Arc<Index> {
        Arc::clone(&self.index.read().unwrap_or_else(|e| e.into_inner()))
    }

    /// Rebuilds the index when the store's version moved (always when
    /// `force`). One rebuild at a time; a caller that waited for another's
    /// rebuild uses its result.
    async fn refresh(&self, force: bool) -> Result<(), KnowledgeError> {
        let version = self.store.kb_version().await?;
        if !force && self.current().version == version {
            return Ok(());
        }
        let _one_at_a_time = self.rebuild.lock().await;
        if !force && self.current().version >= version {
            return Ok(());
        }
        // The version is read before the rows: the rows are at least as new.
        let version = self.store.kb_version().await?;
        let rows = self.store.kb_entries().await?;
        let inputs = self.with_embeddings(rows).await?;
        let lexicon = self.lexicon.clone();
        let index = tokio::task::spawn_blocking(move || Index::build(version, inputs, &lexicon))
            .await
            .map_err(|e| KnowledgeError::Embedding(e.to_string()))?;
        *self.index.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(index);
        Ok(())
    }

    /// The rows as index inputs; rows without an embedding of this model are
    /// embedded now and their vectors stored.
    async fn with_embeddings(
        &self,
        rows: Vec<StoredKbEntry>,
    ) -> Result<Vec<IndexInput>, KnowledgeError> {
        let missing: Vec<usize> = rows
            .iter()
            .enumerate()
            .filter(|(_, r)| !matches!(&r.embedding, Some((_, m)) if m == MODEL_ID))
            .map(|(i, _)| i)
            .collect();
        let mut fresh: HashMap<usize, Embedding> = HashMap::new();
        if !missing.is_empty() {
            tracing::info!(entries = missing.len(), "embedding knowledge-base entries");
            let texts = missing
                .iter()
                .map(|&i| crate::domain::embedding_input(&rows[i].entry.title, &rows[i].entry.text))
                .collect();
            let vectors = self.embedder.embed_all(texts).await?;
            for (&i, vector) in missing.iter().zip(vectors) {
                let entry = &rows[i].entry;
                self.store
                    .set_kb_embedding(&entry.id, entry.updated_at, &vector, MODEL_ID)
                    .await?;
                fresh.insert(i, vector);
            }
        }
        Ok(rows
            .into_iter()
            .enumerate()
            .map(|(i, row)| IndexInput {
                embedding: fresh
                    .remove(&i)
                    .or_else(|| row.embedding.map(|(vector, _)| vector)),
                entry: row.entry,
            })
            .collect())
    }

    /// Writes the file entries that changed, deletes file entries that are
    /// gone from the files; unchanged entries are left alone (no write, no
    /// new embedding).
    async fn sync_files(&self, files: Vec<NewKbEntry>) -> Result<(), KnowledgeError> {
        let stored: HashMap<KbEntryId, StoredKbEntry> = self
            .store
            .kb_entries()
            .await?
            .into_iter()
            .map(|s| (s.entry.id.clone(), s))
            .collect();
        let changed: Vec<&NewKbEntry> = files
            .iter()
            .filter(|f| {
                !stored.get(f.id()).is_some_and(|s| {
                    s.source == EntrySource::File
                        && s.entry.title == f.title()
                        && s.entry.text == f.text()
                        && s.entry.locale == f.locale()
                })
            })
            .collect();
        let vectors = self
            .embedder
            .embed_all(changed.iter().map(|f| f.embedding_input()).collect())
            .await?;
        for (entry, vector) in changed.iter().zip(&vectors) {
            self.store
                .upsert_kb_entry(entry, vector, MODEL_ID, FILE_ACTOR)
                .await?;
        }
        let in_files: HashSet<&KbEntryId> = files.iter().map(NewKbEntry::id).collect();
        let mut removed = 0;
        for (id, s) in &stored {
            if s.source == EntrySource::File && !in_files.contains(id) {
                self.store.delete_kb_entry(id, FILE_ACTOR).await?;
                removed += 1;
            }
        }
        tracing::info!(
            files_entries = files.len(),
            written = changed.len(),
            removed,
            "knowledge-base files loaded"
        );
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/kb_fixture");

    /// A prompts folder holding a copy of the fixture's `kb/` files.
    fn prompts(dir: &tempfile::TempDir) -> PathBuf {
        let prompts = dir.path().join("prompts");
        let kb = prompts.join("kb");
        std::fs::create_dir_all(&kb).expect("mkdir");
        for name in ["shop.md", "shop.es.md"] {
            std::fs::copy(Path::new(FIXTURE).join(name), kb.join(name)).expect("copy");
        }
        prompts
    }

    async fn start(dir: &tempfile::TempDir) -> (Store, Arc<Knowledge>) {
        let url = format!("sqlite://{}/kb.db", dir.path().display());
        let store = Store::connect(&url).await.expect("store");
        let settings = KnowledgeSettings {
            model_dir: Path::new(env!("CARGO_MANIFEST_DIR")).join("models/all-MiniLM-L6-v2"),
            ..KnowledgeSettings::default()
        };
        let knowledge = Knowledge::start(store.clone(), &settings, &dir.path().join("prompts"))
            .await
            .expect("knowledge starts");
        (store, knowledge)
    }

    fn ids(hits: &[Hit]) -> Vec<&str> {
        hits.iter().map(|h| h.entry.id.as_str()).collect()
    }

    #[tokio::test]
    async fn file_entries_are_retrieved_in_the_question_s_locale() {
        let dir = tempfile::tempdir().expect("dir");
        prompts(&dir);
        let (_, knowledge) = start(&dir).await;
        let hits = knowledge
            .retrieve(Locale::En, "How long does standard delivery take?")
            .await;
        assert_eq!(ids(&hits).first(), Some(&"delivery"), "{hits:?}");
        assert!(hits[0].semantic > 0.3 && hits[0].lexical > 0.3, "{hits:?}");
        // A paraphrase without the entries' words: found by the embedding.
        let hits = knowledge
            .retrieve(Locale::En, "how long until my parcel arrives")
            .await;
        assert!(
            matches!(ids(&hits)[..], ["shipping", "delivery", ..]),
            "{hits:?}"
        );
        assert_eq!(hits[0].lexical, 0.0);
        assert!(hits[0].semantic > 0.5, "{hits:?}");
        let hits = knowledge
            .retrieve(Locale::Es, "¿Cuánto tarda la entrega estándar?")
            .await;
        assert_eq!(ids(&hits).first(), Some(&"delivery.es"), "{hits:?}");
        assert!(hits.iter().all(|h| h.entry.locale == Locale::Es));
        let hits = knowledge
            .retrieve(Locale::Es, "¿Puedo devolver artículos sin usar?")
            .await;
        assert_eq!(
            ids(&hits).first(),
            Some(&"devoluciones-y-reembolsos.es"),
            "{hits:?}"
        );
        // German has no entries at all: English ones are searched.
        let hits = knowledge.retrieve(Locale::De, "shipping DHL").await;
        assert_eq!(ids(&hits).first(), Some(&"shipping"), "{hits:?}");
        // Nothing relevant: below the threshold.
        for question in [
            "What is the capital of France?",
            "Write me a poem about football",
        ] {
            let hits = knowledge.retrieve(Locale::En, question).await;
            assert!(hits.is_empty(), "{question}: {hits:?}");
        }
        let payment = knowledge
            .entry(&KbEntryId::parse("payment").expect("id"))
            .expect("payment entry");
        assert!(!payment.text.contains("CANARY"));
        assert!(payment.text.contains("We never ask for a password"));
    }

    #[tokio::test]
    async fn a_restart_keeps_unchanged_entries_and_applies_file_changes() {
        let dir = tempfile::tempdir().expect("dir");
        let prompts = prompts(&dir);
        let (store, first) = start(&dir).await;
        let before = store.kb_entries().await.expect("entries");
        let version = store.kb_version().await.expect("version");
        assert_eq!(before.len(), 10);
        drop(first);
        let (_, _again) = start(&dir).await;
        assert_eq!(
            store.kb_version().await.expect("version"),
            version,
            "nothing rewritten"
        );

        let shop = prompts.join("kb/shop.md");
        let text = std::fs::read_to_string(&shop).expect("read");
        let text = text.replace("3-5 business days", "2-4 business days");
        let text = &text[..text.find("## Storing tea").expect("section")];
        std::fs::write(&shop, text).expect("write");
        let (_, knowledge) = start(&dir).await;
        let after = store.kb_entries().await.expect("entries");
        let updated = |id: &str, rows: &[StoredKbEntry]| {
            rows.iter()
                .find(|r| r.entry.id.as_str() == id)
                .map(|r| r.entry.updated_at)
        };
        assert_eq!(after.len(), 9, "the removed section's entry is gone");
        assert!(updated("storing-tea", &after).is_none());
        assert_eq!(updated("shipping", &after), updated("shipping", &before));
        assert!(updated("delivery", &after) > updated("delivery", &before));
        let hits = knowledge
            .retrieve(Locale::En, "How long does standard delivery take?")
            .await;
        assert!(hits[0].entry.text.contains("2-4 business days"));
    }

    #[tokio::test]
    async fn stale_embeddings_are_recomputed_at_start() {
        let dir = tempfile::tempdir().expect("dir");
        prompts(&dir);
        let (store, _) = start(&dir).await;
        let url = format!("sqlite://{}/kb.db", dir.path().display());
        sqlx::any::install_default_drivers();
        let raw = sqlx::AnyPool::connect(&url).await.expect("raw pool");
        sqlx::query("UPDATE kb_entries SET embedding_model = 'older-model' WHERE id = 'shipping'")
            .execute(&raw)
            .await
            .expect("update");
        sqlx::query("UPDATE kb_entries SET embedding = NULL WHERE id = 'returns'")
            .execute(&raw)
            .await
            .expect("update");
        let (_, knowledge) = start(&dir).await;
        for row in store.kb_entries().await.expect("entries") {
            let (_, model) = row.embedding.expect("every entry has an embedding");
            assert_eq!(model, MODEL_ID, "{}", row.entry.id);
        }
        let hits = knowledge
            .retrieve(Locale::En, "how long until my parcel arrives")
            .await;
        assert_eq!(ids(&hits).first(), Some(&"shipping"), "{hits:?}");
        assert!(hits[0].cosine > 0.5, "{hits:?}");
        let hits = knowledge
            .retrieve(Locale::En, "What is your return policy?")
            .await;
        assert_eq!(ids(&hits).first(), Some(&"returns"), "{hits:?}");
        assert!(hits[0].cosine > 0.35, "{hits:?}");
    }

    #[tokio::test]
    async fn a_write_by_another_instance_is_seen_by_the_next_retrieval() {
        let dir = tempfile::tempdir().expect("dir");
        prompts(&dir);
        let (_, writer) = start(&dir).await;
        let (_, reader) = start(&dir).await;
        let question = "Do you offer gift wrapping?";
        assert!(reader.retrieve(Locale::En, question).await.is_empty());
        let id = KbEntryId::parse("gift-wrapping").expect("id");
        let entry = NewKbEntry::new(
            id.clone(),
            "Gift wrapping",
            "We gift-wrap any order for 3.00; add a note at checkout.",
            Locale::En,
            EntrySource::Api,
        )
        .expect("entry");
        assert!(writer.put(&entry, "test").await.expect("put"));
        let hits = reader.retrieve(Locale::En, question).await;
        assert_eq!(ids(&hits).first(), Some(&"gift-wrapping"), "{hits:?}");
        writer.delete(&id, "test").await.expect("delete");
        assert!(reader.retrieve(Locale::En, question).await.is_empty());
    }
}

#[cfg(test)]
mod calibration {
    use super::*;

    #[tokio::test]
    #[ignore = "prints score distributions; run by hand"]
    async fn print_scores() {
        let dir = tempfile::tempdir().expect("dir");
        let prompts = dir.path().join("prompts/kb");
        std::fs::create_dir_all(&prompts).expect("mkdir");
        for name in ["shop.md", "shop.es.md"] {
            std::fs::copy(
                Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("tests/data/kb_fixture")
                    .join(name),
                prompts.join(name),
            )
            .expect("copy");
        }
        let url = format!("sqlite://{}/kb.db", dir.path().display());
        let store = Store::connect(&url).await.expect("store");
        let settings = KnowledgeSettings {
            min_score: 0.0,
            max_hits: std::num::NonZeroUsize::new(3).expect("nz"),
            ..KnowledgeSettings::default()
        };
        let k = Knowledge::start(store, &settings, &dir.path().join("prompts"))
            .await
            .expect("start");
        let questions = std::env::var("KB_QUESTIONS").unwrap_or_default();
        for line in questions.lines().filter(|l| !l.trim().is_empty()) {
            let (code, q) = line.split_once('|').expect("code|question");
            let hits = k.retrieve(Locale::from_tag(Some(code)), q).await;
            let shown: Vec<String> = hits
                .iter()
                .map(|h| {
                    format!(
                        "{} s={:.2} lex={:.2} sem={:.2}",
                        h.entry.id, h.score, h.lexical, h.semantic
                    )
                })
                .collect();
            eprintln!("{q}\n    {}", shown.join(" | "));
        }
    }
}
