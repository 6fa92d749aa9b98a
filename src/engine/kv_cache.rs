//! Keys and values of one conversation, kept between turns so a follow-up
//! processes only its new tokens.
//!
//! A cache may start from a [`SharedPrefix`]: the keys and values of a
//! system prompt computed once and read by every conversation that begins
//! with the same tokens (they are never written again, so sharing needs no
//! copy). Positions after the prefix are the conversation's own.

use std::sync::Arc;

/// Keys and values of one layer, one row of `kv_dim` values per position.
#[derive(Default)]
pub(crate) struct LayerKv {
    pub(crate) keys: Vec<f32>,
    pub(crate) values: Vec<f32>,
}

impl LayerKv {
    fn bytes(&self) -> usize {
        (self.keys.capacity() + self.values.capacity()) * std::mem::size_of::<f32>()
    }
}

/// An immutable run of leading tokens and their keys and values.
pub(crate) struct SharedPrefix {
    tokens: Vec<u32>,
    layers: Vec<LayerKv>,
}

impl SharedPrefix {
    /// The tokens this prefix covers.
    pub(crate) fn tokens(&self) -> &[u32] {
        &self.tokens
    }

    /// Memory held.
    pub(crate) fn bytes(&self) -> usize {
        self.layers.iter().map(LayerKv::bytes).sum()
    }
}

/// Two slices that read as one sequence of rows: the shared prefix, then
/// the conversation's own rows.
pub(crate) type Segments<'a> = [&'a [f32]; 2];

/// The cache of one conversation.
pub(crate) struct SequenceCache {
    kv_dim: usize,
    prefix: Option<Arc<SharedPrefix>>,
    own: Vec<LayerKv>,
    tokens: Vec<u32>,
}

impl SequenceCache {
    /// An empty cache for a model with `layers` layers.
    pub(crate) fn new(layers: usize, kv_dim: usize) -> Self {
        Self {
            kv_dim,
            prefix: None,
            own: (0..layers).map(|_| LayerKv::default()).collect(),
            tokens: Vec::new(),
        }
    }

    /// A cache that already holds `prefix`.
    pub(crate) fn from_prefix(prefix: Arc<SharedPrefix>, kv_dim: usize) -> Self {
        let layers = prefix.layers.len();
        let mut cache = Self::new(layers, kv_dim);
        cache.tokens = prefix.tokens.clone();
        cache.prefix = Some(prefix);
        cache
    }

    /// Tokens whose keys and values are held.
    pub(crate) fn tokens(&self) -> &[u32] {
        &self.tokens
    }

    /// Number of positions held.
    pub(crate) fn len(&self) -> usize {
        self.tokens.len()
    }

    fn prefix_len(&self) -> usize {
        self.prefix.as_ref().map_or(0, |p| p.tokens.len())
    }

    /// Memory this conversation holds beyond the shared prefix.
    pub(crate) fn own_bytes(&self) -> usize {
        self.own.iter().map(LayerKv::bytes).sum::<usize>()
            + self.tokens.capacity() * std::mem::size_of::<u32>()
    }

    /// Makes room for `more` positions without reallocating on the way.
    pub(crate) fn reserve(&mut self, more: usize) {
        for layer in &mut self.own {
            layer.keys.reserve_exact(more * self.kv_dim);
            layer.values.reserve_exact(more * self.kv_dim);
        }
        self.tokens.reserve_exact(more);
    }

    /// Keeps the first `len` positions only.
    pub(crate) fn truncate(&mut self, len: usize) {
        if len >= self.len() {
            return;
        }
        let prefix_len = self.prefix_len();
        if len >= prefix_len {
            let keep = (len - prefix_len) * self.kv_dim;
            for layer in &mut self.own {
                layer.keys.truncate(keep);
                layer.values.truncate(keep);
            }
        } else if let Some(prefix) = self.prefix.take() {
            let keep = len * self.kv_dim;
            for (own, shared) in self.own.iter_mut().zip(&prefix.layers) {
                own.keys = shared.keys[..keep].to_vec();
                own.values = shared.values[..keep].to_vec();
            }
        }
        self.tokens.truncate(len);
    }

    /// Keys of `layer` for every held position.
    pub(crate) fn keys(&self, layer: usize) -> Segments<'_> {
        let shared = self
            .prefix
            .as_ref()
            .map_or(&[][..], |p| &p.layers[layer].keys);
        [shared, &self.own[layer].keys]
    }

    /// Values of `layer` for every held position.
    pub(crate) fn values(&self, layer: usize) -> Segments<'_> {
        let shared = self
            .prefix
            .as_ref()
            .map_or(&[][..], |p| &p.layers[layer].values);
        [shared, &self.own[layer].values]
    }

    /// Appends rows for the tokens of the current step to `layer`; call
    /// [`Self::push_tokens`] once all layers have them.
    pub(crate) fn append(&mut self, layer: usize, keys: &[f32], values: &[f32]) {
        self.own[layer].keys.extend_from_slice(keys);
        self.own[layer].values.extend_from_slice(values);
    }

    /// Records the tokens of the step whose rows were appended.
    pub(crate) fn push_tokens(&mut self, tokens: &[u32]) {
        self.tokens.extend_from_slice(tokens);
    }

    /// Turns everything held into a shared prefix (no copy when nothing is
    /// shared yet) that this cache then reads from.
    pub(crate) fn share(&mut self) -> Arc<SharedPrefix> {
        if let (Some(prefix), true) = (&self.prefix, self.own.iter().all(|l| l.keys.is_empty())) {
            return prefix.clone();
        }
        let layers = self
            .own
            .iter_mut()
            .enumerate()
            .map(|(i, own)| {
                let mut keys = Vec::new();
                let mut values = Vec::new();
                if let Some(prefix) = &self.prefix {
                    keys.extend_from_slice(&prefix.layers[i].keys);
                    values.extend_from_slice(&prefix.layers[i].values);
                }
                keys.extend_from_slice(&own.keys);
                values.extend_from_slice(&own.values);
                *own = LayerKv::default();
                keys.shrink_to_fit();
                values.shrink_to_fit();
                LayerKv { keys, values }
            })
            .collect();
        let prefix = Arc::new(SharedPrefix {
            tokens: self.tokens.clone(),
            layers,
        });
        self.prefix = Some(prefix.clone());
        prefix
    }
}

/// Length of the common start of `a` and `b`.
pub(crate) fn common_prefix(a: &[u32], b: &[u32]) -> usize {
    a.iter().zip(b).take_while(|(x, y)| x == y).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filled(tokens: &[u32]) -> SequenceCache {
        let mut cache = SequenceCache::new(2, 2);
        for layer in 0..2 {
            let rows: Vec<f32> = tokens
                .iter()
                .flat_map(|&t| [t as f32, layer as f32])
                .collect();
            cache.append(layer, &rows, &rows);
        }
        cache.push_tokens(tokens);
        cache
    }

    fn flat(segments: Segments<'_>) -> Vec<f32> {
        segments.concat()
    }

    #[test]
    fn a_shared_prefix_reads_like_the_original_and_truncation_inside_it_copies() {
        let mut first = filled(&[1, 2, 3]);
        let before = flat(first.keys(1));
        let prefix = first.share();
        assert_eq!(flat(first.keys(1)), before, "sharing changes no value");
        assert_eq!(first.own_bytes() - first.tokens.capacity() * 4, 0);

        let mut second = SequenceCache::from_prefix(prefix.clone(), 2);
        second.append(0, &[9.0, 0.0], &[9.0, 0.0]);
        second.append(1, &[9.0, 1.0], &[9.0, 1.0]);
        second.push_tokens(&[9]);
        assert_eq!(second.tokens(), &[1, 2, 3, 9]);
        assert_eq!(
            flat(second.keys(1)),
            vec![1.0, 1.0, 2.0, 1.0, 3.0, 1.0, 9.0, 1.0]
        );

        second.truncate(3);
        assert_eq!(flat(second.values(0)), vec![1.0, 0.0, 2.0, 0.0, 3.0, 0.0]);
        second.truncate(1);
        assert_eq!(second.tokens(), &[1]);
        assert_eq!(flat(second.keys(0)), vec![1.0, 0.0]);
        assert_eq!(
            prefix.tokens(),
            &[1, 2, 3],
            "the shared prefix is untouched"
        );
    }

    #[test]
    fn common_prefix_counts_leading_matches() {
        assert_eq!(common_prefix(&[1, 2, 3], &[1, 2, 4]), 2);
        assert_eq!(common_prefix(&[], &[1]), 0);
        assert_eq!(common_prefix(&[5], &[5]), 1);
    }
}
