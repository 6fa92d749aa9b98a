//! all-MiniLM-L6-v2 sentence embeddings through candle-transformers' BERT:
//! tokens (truncated at 256, as sentence-transformers does), the encoder,
//! mean pooling over the attention mask, L2 normalisation.
//!
//! The model runs on its own OS thread behind a bounded queue, never on the
//! async runtime. One model serves the whole process ([`Embedder::shared`]),
//! and a text it has embedded is not computed again ([`super::memo`]).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::bert::{BertModel, Config, HiddenAct, PositionEmbeddingType};
use tokenizers::{PaddingParams, PaddingStrategy, Tokenizer, TruncationParams};
use tokio::sync::{mpsc, oneshot};

use super::memo::{EmbeddingMemo, CAPACITY as MEMO_CAPACITY};
use super::KnowledgeError;
use crate::domain::{Embedding, DIMS};

/// Identifies the vectors this embedder makes; stored beside each vector so
/// a model change re-embeds the entries at the next start.
pub const MODEL_ID: &str = "all-MiniLM-L6-v2/mean-l2/256";

/// Longest input in tokens, `[CLS]` and `[SEP]` included (sentence-transformers'
/// `max_seq_length` for this model).
const MAX_TOKENS: usize = 256;

/// Texts forwarded together (padded to the longest of them).
const BATCH: usize = 16;

/// Jobs that may wait for the model; a retrieval finding it full goes on
/// without the semantic part rather than waiting.
const QUEUE: usize = 64;

type Reply = oneshot::Sender<Result<Vec<Embedding>, KnowledgeError>>;

struct Job {
    texts: Vec<String>,
    reply: Reply,
}

/// Handle to the embedding model's thread; cheap to share.
#[derive(Debug)]
pub struct Embedder {
    jobs: mpsc::Sender<Job>,
}

impl std::fmt::Debug for Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Job")
            .field("texts", &self.texts.len())
            .finish()
    }
}

static SHARED: Mutex<Option<HashMap<PathBuf, Arc<Embedder>>>> = Mutex::new(None);

impl Embedder {
    /// The process's embedder for the model in `dir`, loaded on first use
    /// (every application built in this process shares it).
    pub fn shared(dir: &Path) -> Result<Arc<Self>, KnowledgeError> {
        let key = dir.canonicalize().unwrap_or_else(|_| dir.to_owned());
        let mut shared = SHARED.lock().unwrap_or_else(|e| e.into_inner());
        let map = shared.get_or_insert_with(HashMap::new);
        if let Some(embedder) = map.get(&key) {
            return Ok(Arc::clone(embedder));
        }
        let embedder = Arc::new(Self::load(dir)?);
        map.insert(key, Arc::clone(&embedder));
        Ok(embedder)
    }

    /// Loads `model.safetensors` and `tokenizer.json` from `dir` and starts
    /// the model's thread.
    pub fn load(dir: &Path) -> Result<Self, KnowledgeError> {
        let model = MiniLm::load(dir).map_err(|reason| KnowledgeError::Model {
            dir: dir.to_owned(),
            reason,
        })?;
        let (jobs, mut queue) = mpsc::channel::<Job>(QUEUE);
        std::thread::Builder::new()
            .name("candor-embedder".into())
            .spawn(move || {
                let mut memo = EmbeddingMemo::new(MEMO_CAPACITY);
                while let Some(job) = queue.blocking_recv() {
                    let result = memo.embed_all(&job.texts, |texts| model.embed_all(texts));
                    let _ = job.reply.send(result);
                }
            })
            .map_err(|e| KnowledgeError::Model {
                dir: dir.to_owned(),
                reason: format!("cannot start the embedding thread: {e}"),
            })?;
        Ok(Self { jobs })
    }

    /// Embeds `texts` (in order), waiting for room in the queue.
    pub async fn embed_all(&self, texts: Vec<String>) -> Result<Vec<Embedding>, KnowledgeError> {
        if texts.is_empty() {
            return Ok(Vec::new());
        }
        let (reply, answer) = oneshot::channel();
        self.jobs
            .send(Job { texts, reply })
            .await
            .map_err(|_| KnowledgeError::Stopped)?;
        answer.await.map_err(|_| KnowledgeError::Stopped)?
    }

    /// Embeds one text, refusing at once with [`KnowledgeError::Busy`] when
    /// the queue is full (for the request path).
    pub async fn try_embed(&self, text: &str) -> Result<Embedding, KnowledgeError> {
        let (reply, answer) = oneshot::channel();
        self.jobs
            .try_send(Job {
                texts: vec![text.to_owned()],
                reply,
            })
            .map_err(|e| match e {
                mpsc::error::TrySendError::Full(_) => KnowledgeError::Busy,
                mpsc::error::TrySendError::Closed(_) => KnowledgeError::Stopped,
            })?;
        let mut vectors = answer.await.map_err(|_| KnowledgeError::Stopped)??;
        vectors.pop().ok_or(KnowledgeError::Stopped)
    }
}

/// The model and its tokenizer; lives on the embedding thread.
struct MiniLm {
    model: BertModel,
    tokenizer: Tokenizer,
    device: Device,
}

/// all-MiniLM-L6-v2's `config.json`, which the package ships but Candor
/// does not copy (the safetensors shapes are checked against it at load).
fn minilm_config() -> Config {
    Config {
        vocab_size: 30522,
        hidden_size: DIMS,
        num_hidden_layers: 6,
        num_attention_heads: 12,
        intermediate_size: 1536,
        hidden_act: HiddenAct::Gelu,
        hidden_dropout_prob: 0.1,
        max_position_embeddings: 512,
        type_vocab_size: 2,
        initializer_range: 0.02,
        layer_norm_eps: 1e-12,
        pad_token_id: 0,
        position_embedding_type: PositionEmbeddingType::Absolute,
        use_cache: true,
        classifier_dropout: None,
        model_type: Some("bert".into()),
    }
}

impl MiniLm {
    fn load(dir: &Path) -> Result<Self, String> {
        let device = Device::Cpu;
        let weights_path = dir.join("model.safetensors");
        let weights =
            std::fs::read(&weights_path).map_err(|e| format!("{}: {e}", weights_path.display()))?;
        let vb = VarBuilder::from_slice_safetensors(&weights, DType::F32, &device)
            .map_err(|e| e.to_string())?;
        let model = BertModel::load(vb, &minilm_config()).map_err(|e| e.to_string())?;
        let tokenizer_path = dir.join("tokenizer.json");
        let mut tokenizer = Tokenizer::from_file(&tokenizer_path)
            .map_err(|e| format!("{}: {e}", tokenizer_path.display()))?;
        tokenizer
            .with_truncation(Some(TruncationParams {
                max_length: MAX_TOKENS,
                ..TruncationParams::default()
            }))
            .map_err(|e| e.to_string())?;
        tokenizer.with_padding(Some(PaddingParams {
            strategy: PaddingStrategy::BatchLongest,
            pad_id: 0,
            pad_type_id: 0,
            pad_token: "[PAD]".into(),
            ..PaddingParams::default()
        }));
        Ok(Self {
            model,
            tokenizer,
            device,
        })
    }

    /// Embeds every text, shortest first in batches of [`BATCH`] (so little
    /// padding is forwarded), and returns them in the input order.
    fn embed_all(&self, texts: &[String]) -> Result<Vec<Embedding>, KnowledgeError> {
        let mut order: Vec<usize> = (0..texts.len()).collect();
        order.sort_by_key(|&i| texts[i].len());
        let mut out: Vec<Option<Embedding>> = vec![None; texts.len()];
        for chunk in order.chunks(BATCH) {
            let batch: Vec<&str> = chunk.iter().map(|&i| texts[i].as_str()).collect();
            let vectors = self
                .embed_batch(&batch)
                .map_err(|e| KnowledgeError::Embedding(e.to_string()))?;
            for (&i, vector) in chunk.iter().zip(vectors) {
                out[i] = Some(vector);
            }
        }
        out.into_iter()
            .map(|v| v.ok_or_else(|| KnowledgeError::Embedding("missing vector".into())))
            .collect()
    }

    fn embed_batch(&self, texts: &[&str]) -> anyhow::Result<Vec<Embedding>> {
        let encodings = self
            .tokenizer
            .encode_batch(texts.to_vec(), true)
            .map_err(|e| anyhow::anyhow!("tokenizer: {e}"))?;
        let len = encodings.first().map_or(0, |e| e.get_ids().len());
        let rows = encodings.len();
        let mut ids = Vec::with_capacity(rows * len);
        let mut mask = Vec::with_capacity(rows * len);
        for encoding in &encodings {
            ids.extend_from_slice(encoding.get_ids());
            mask.extend_from_slice(encoding.get_attention_mask());
        }
        let ids = Tensor::from_vec(ids, (rows, len), &self.device)?;
        let mask = Tensor::from_vec(mask, (rows, len), &self.device)?;
        let types = ids.zeros_like()?;
        let hidden = self.model.forward(&ids, &types, Some(&mask))?;
        // Mean over the positions the attention mask marks as real tokens.
        let mask = mask.to_dtype(DType::F32)?.unsqueeze(2)?;
        let summed = hidden.broadcast_mul(&mask)?.sum(1)?;
        let counts = mask.sum(1)?.clamp(1e-9, f64::MAX)?;
        let mean = summed.broadcast_div(&counts)?;
        mean.to_vec2::<f32>()?
            .into_iter()
            .map(|v| Embedding::from_vec(v).ok_or_else(|| anyhow::anyhow!("degenerate vector")))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model_dir() -> PathBuf {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/all-MiniLM-L6-v2");
        assert!(
            dir.join("model.safetensors").exists(),
            "the embedding model is missing: run `python3 models/fetch_model.py` (make test does)"
        );
        dir
    }

    /// The vectors in `tests/data/minilm_reference.json` were computed by
    /// `scripts/minilm_reference.py`: the HF `tokenizers` library and a
    /// float64 numpy BERT forward over the same `model.safetensors`, mean
    /// pooled and L2-normalised, independently of candle.
    #[tokio::test]
    async fn embeddings_match_an_independent_reference() {
        let reference: serde_json::Value =
            serde_json::from_str(include_str!("../../tests/data/minilm_reference.json"))
                .expect("reference json");
        let embedder = Embedder::shared(&model_dir()).expect("model loads");
        let sentences: Vec<String> = reference["sentences"]
            .as_array()
            .expect("sentences")
            .iter()
            .map(|s| s.as_str().expect("text").to_owned())
            .collect();
        let expected: Vec<Vec<f32>> =
            serde_json::from_value(reference["vectors"].clone()).expect("vectors");
        // One at a time and together in one padded batch: both must match.
        let batched = embedder.embed_all(sentences.clone()).await.expect("batch");
        for (i, sentence) in sentences.iter().enumerate() {
            let single = embedder.try_embed(sentence).await.expect("embeds");
            let reference = Embedding::from_vec(expected[i].clone()).expect("valid");
            let cosine = single.cosine(&reference);
            assert!(cosine > 0.999, "sentence {i}: cosine {cosine}");
            assert!(
                batched[i].cosine(&reference) > 0.999,
                "batched sentence {i}"
            );
        }
        let between = batched[0].cosine(&batched[1]);
        let reference_between = Embedding::from_vec(expected[0].clone())
            .expect("valid")
            .cosine(&Embedding::from_vec(expected[1].clone()).expect("valid"));
        assert!((between - reference_between).abs() < 1e-3);
    }

    #[tokio::test]
    async fn long_texts_are_truncated_not_refused() {
        let embedder = Embedder::shared(&model_dir()).expect("model loads");
        let long = "Tea ships quickly. ".repeat(400);
        assert!(embedder.try_embed(&long).await.is_ok());
    }

    #[test]
    fn a_missing_model_folder_is_a_clear_error() {
        let error = Embedder::load(Path::new("/nonexistent/minilm")).expect_err("no model");
        assert!(error.to_string().contains("fetch_model.py"), "{error}");
    }

    #[tokio::test]
    #[ignore = "timing probe; run by hand"]
    async fn timing_probe() {
        let embedder = Embedder::shared(&model_dir()).expect("model loads");
        for text in [
            "How long does standard delivery take?",
            "wheres my ordr",
            "What is your return policy for unused items that I bought last week?",
        ] {
            let mut times = Vec::new();
            for _ in 0..20 {
                let t = std::time::Instant::now();
                embedder.try_embed(text).await.expect("embeds");
                times.push(t.elapsed().as_secs_f64() * 1000.0);
            }
            times.sort_by(f64::total_cmp);
            eprintln!("{text:?}: p50 {:.2} ms min {:.2}", times[10], times[0]);
        }
        let texts: Vec<String> = (0..64).map(|i| format!("Entry {i}: orders ship within 2 business days and standard delivery takes 3-5 business days.")).collect();
        let t = std::time::Instant::now();
        embedder.embed_all(texts).await.expect("embeds");
        eprintln!(
            "64 entries batched: {:.1} ms",
            t.elapsed().as_secs_f64() * 1000.0
        );
    }
}
