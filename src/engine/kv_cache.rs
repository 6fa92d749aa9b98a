//! Keys and values of one conversation, kept between turns so a follow-up
//! processes only its new tokens.
//!
//! A cache may start from a [`SharedPrefix`]: the keys and values of a
//! system prompt computed once and read by every conversation that begins
//! with the same tokens (they are never written again, so sharing needs no
//! copy). Positions after the prefix are the conversation's own.

use std::sync::Arc;

use half::f16;

use super::kv_element::KvElement;

/// How keys and values are stored. f16 halves the cache's memory and the
/// bytes attention reads per generated token (as llama.cpp's default
/// cache); f32 keeps them exact, for the f32 weights that check the
/// forward pass against a reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KvPrecision {
    F16,
    F32,
}

/// Keys and values of one layer in one element type, one row of `kv_dim`
/// values per position.
#[derive(Default)]
struct Rows<T> {
    keys: Vec<T>,
    values: Vec<T>,
}

impl<T: KvElement> Rows<T> {
    fn bytes(&self) -> usize {
        (self.keys.capacity() + self.values.capacity()) * std::mem::size_of::<T>()
    }

    fn reserve_exact(&mut self, more: usize) {
        self.keys.reserve_exact(more);
        self.values.reserve_exact(more);
    }

    fn truncate(&mut self, len: usize) {
        self.keys.truncate(len);
        self.values.truncate(len);
    }

    fn append(&mut self, keys: &[f32], values: &[f32]) {
        T::extend_from_f32(&mut self.keys, keys);
        T::extend_from_f32(&mut self.values, values);
    }

    fn first(&self, len: usize) -> Self {
        Self {
            keys: self.keys[..len.min(self.keys.len())].to_vec(),
            values: self.values[..len.min(self.values.len())].to_vec(),
        }
    }

    /// `prefix` then `own`, in one allocation of the exact size.
    fn joined(prefix: Option<&Self>, own: &Self) -> Self {
        let joined = |pick: fn(&Self) -> &Vec<T>| {
            let before = prefix.map_or(&[][..], |p| pick(p).as_slice());
            let mut all = Vec::with_capacity(before.len() + pick(own).len());
            all.extend_from_slice(before);
            all.extend_from_slice(pick(own));
            all
        };
        Self {
            keys: joined(|r| &r.keys),
            values: joined(|r| &r.values),
        }
    }

    fn segments<'a>(prefix: Option<&'a Self>, own: &'a Self) -> KvSegments<'a, T> {
        KvSegments {
            keys: [prefix.map_or(&[][..], |p| &p.keys), &own.keys],
            values: [prefix.map_or(&[][..], |p| &p.values), &own.values],
        }
    }
}

/// Keys and values of one layer, in the cache's precision.
enum LayerKv {
    F16(Rows<f16>),
    F32(Rows<f32>),
}

/// Runs `$body` with `$rows` bound to the rows of either precision.
macro_rules! each_precision {
    ($layer:expr, $rows:ident => $body:expr) => {
        match $layer {
            LayerKv::F16($rows) => $body,
            LayerKv::F32($rows) => $body,
        }
    };
}

impl LayerKv {
    fn empty(precision: KvPrecision) -> Self {
        match precision {
            KvPrecision::F16 => Self::F16(Rows::default()),
            KvPrecision::F32 => Self::F32(Rows::default()),
        }
    }

    fn bytes(&self) -> usize {
        each_precision!(self, rows => rows.bytes())
    }

    fn is_empty(&self) -> bool {
        each_precision!(self, rows => rows.keys.is_empty())
    }

    fn first(&self, len: usize) -> Self {
        match self {
            Self::F16(rows) => Self::F16(rows.first(len)),
            Self::F32(rows) => Self::F32(rows.first(len)),
        }
    }

    /// `prefix` then `self`; `None` when their precisions differ (never
    /// for layers of one cache).
    fn joined(prefix: Option<&Self>, own: &Self) -> Option<Self> {
        Some(match (prefix, own) {
            (None, Self::F16(own)) => Self::F16(Rows::joined(None, own)),
            (None, Self::F32(own)) => Self::F32(Rows::joined(None, own)),
            (Some(Self::F16(p)), Self::F16(own)) => Self::F16(Rows::joined(Some(p), own)),
            (Some(Self::F32(p)), Self::F32(own)) => Self::F32(Rows::joined(Some(p), own)),
            _ => return None,
        })
    }

    fn view<'a>(prefix: Option<&'a Self>, own: &'a Self) -> Option<LayerView<'a>> {
        Some(match (prefix, own) {
            (None, Self::F16(own)) => LayerView::F16(Rows::segments(None, own)),
            (None, Self::F32(own)) => LayerView::F32(Rows::segments(None, own)),
            (Some(Self::F16(p)), Self::F16(own)) => LayerView::F16(Rows::segments(Some(p), own)),
            (Some(Self::F32(p)), Self::F32(own)) => LayerView::F32(Rows::segments(Some(p), own)),
            _ => return None,
        })
    }
}

/// An immutable run of leading tokens and their keys and values.
pub(crate) struct SharedPrefix {
    tokens: Vec<u32>,
    precision: KvPrecision,
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
pub(crate) type Segments<'a, T> = [&'a [T]; 2];

/// Keys and values of one layer for every held position.
pub(crate) struct KvSegments<'a, T> {
    pub(crate) keys: Segments<'a, T>,
    pub(crate) values: Segments<'a, T>,
}

/// One layer's keys and values, in the precision they are stored in.
pub(crate) enum LayerView<'a> {
    F16(KvSegments<'a, f16>),
    F32(KvSegments<'a, f32>),
}

/// The cache of one conversation.
pub(crate) struct SequenceCache {
    kv_dim: usize,
    precision: KvPrecision,
    prefix: Option<Arc<SharedPrefix>>,
    own: Vec<LayerKv>,
    tokens: Vec<u32>,
}

impl SequenceCache {
    /// An empty cache for a model with `layers` layers.
    pub(crate) fn new(layers: usize, kv_dim: usize, precision: KvPrecision) -> Self {
        Self {
            kv_dim,
            precision,
            prefix: None,
            own: (0..layers).map(|_| LayerKv::empty(precision)).collect(),
            tokens: Vec::new(),
        }
    }

    /// A cache that already holds `prefix` (and stores in its precision).
    pub(crate) fn from_prefix(prefix: Arc<SharedPrefix>, kv_dim: usize) -> Self {
        let layers = prefix.layers.len();
        let mut cache = Self::new(layers, kv_dim, prefix.precision);
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
            each_precision!(layer, rows => rows.reserve_exact(more * self.kv_dim));
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
                each_precision!(layer, rows => rows.truncate(keep));
            }
        } else if let Some(prefix) = self.prefix.take() {
            let keep = len * self.kv_dim;
            for (own, shared) in self.own.iter_mut().zip(&prefix.layers) {
                *own = shared.first(keep);
            }
        }
        self.tokens.truncate(len);
    }

    /// Keys and values of `layer` for every held position; `None` for a
    /// layer the model does not have.
    pub(crate) fn layer(&self, layer: usize) -> Option<LayerView<'_>> {
        let own = self.own.get(layer)?;
        let shared = match &self.prefix {
            Some(prefix) => Some(prefix.layers.get(layer)?),
            None => None,
        };
        LayerKv::view(shared, own)
    }

    /// Appends rows for the tokens of the current step to `layer` (stored
    /// in the cache's precision); call [`Self::push_tokens`] once all
    /// layers have them.
    pub(crate) fn append(&mut self, layer: usize, keys: &[f32], values: &[f32]) {
        if let Some(own) = self.own.get_mut(layer) {
            each_precision!(own, rows => rows.append(keys, values));
        }
    }

    /// Records the tokens of the step whose rows were appended.
    pub(crate) fn push_tokens(&mut self, tokens: &[u32]) {
        self.tokens.extend_from_slice(tokens);
    }

    /// Turns everything held into a shared prefix (no copy when nothing is
    /// shared yet) that this cache then reads from.
    pub(crate) fn share(&mut self) -> Arc<SharedPrefix> {
        if let (Some(prefix), true) = (&self.prefix, self.own.iter().all(LayerKv::is_empty)) {
            return prefix.clone();
        }
        let precision = self.precision;
        let layers = self
            .own
            .iter_mut()
            .enumerate()
            .map(|(i, own)| {
                let shared = self.prefix.as_ref().and_then(|p| p.layers.get(i));
                // Precisions always agree within a cache; were they not to,
                // the conversation's own rows are kept.
                let joined = LayerKv::joined(shared, own).unwrap_or_else(|| own.first(usize::MAX));
                *own = LayerKv::empty(precision);
                joined
            })
            .collect();
        let prefix = Arc::new(SharedPrefix {
            tokens: self.tokens.clone(),
            precision,
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

    fn filled(tokens: &[u32], precision: KvPrecision) -> SequenceCache {
        let mut cache = SequenceCache::new(2, 2, precision);
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

    /// Keys (or values) of `layer`, every position, as f32.
    fn flat(cache: &SequenceCache, layer: usize, keys: bool) -> Vec<f32> {
        fn all<T: KvElement>(kv: KvSegments<'_, T>, keys: bool) -> Vec<f32> {
            let mut out = Vec::new();
            for part in if keys { kv.keys } else { kv.values } {
                T::extend_f32(part, &mut out);
            }
            out
        }
        match cache.layer(layer).expect("layer") {
            LayerView::F16(kv) => all(kv, keys),
            LayerView::F32(kv) => all(kv, keys),
        }
    }

    #[test]
    fn a_shared_prefix_reads_like_the_original_and_truncation_inside_it_copies() {
        for precision in [KvPrecision::F16, KvPrecision::F32] {
            let mut first = filled(&[1, 2, 3], precision);
            let before = flat(&first, 1, true);
            let prefix = first.share();
            assert_eq!(flat(&first, 1, true), before, "sharing changes no value");
            assert_eq!(first.own_bytes() - first.tokens.capacity() * 4, 0);

            let mut second = SequenceCache::from_prefix(prefix.clone(), 2);
            second.append(0, &[9.0, 0.0], &[9.0, 0.0]);
            second.append(1, &[9.0, 1.0], &[9.0, 1.0]);
            second.push_tokens(&[9]);
            assert_eq!(second.tokens(), &[1, 2, 3, 9]);
            assert_eq!(
                flat(&second, 1, true),
                vec![1.0, 1.0, 2.0, 1.0, 3.0, 1.0, 9.0, 1.0]
            );

            second.truncate(3);
            assert_eq!(flat(&second, 0, false), vec![1.0, 0.0, 2.0, 0.0, 3.0, 0.0]);
            second.truncate(1);
            assert_eq!(second.tokens(), &[1]);
            assert_eq!(flat(&second, 0, true), vec![1.0, 0.0]);
            assert_eq!(
                prefix.tokens(),
                &[1, 2, 3],
                "the shared prefix is untouched"
            );
            assert!(second.layer(2).is_none(), "no third layer");
        }
    }

    #[test]
    fn f16_halves_the_memory_and_rounds_to_the_nearest_half() {
        let rows = [0.1f32, -3.0e-3, 1234.5, 7.0];
        let mut f16 = SequenceCache::new(1, 4, KvPrecision::F16);
        let mut f32 = SequenceCache::new(1, 4, KvPrecision::F32);
        for cache in [&mut f16, &mut f32] {
            cache.reserve(8);
            cache.append(0, &rows, &rows);
            cache.push_tokens(&[1]);
        }
        assert_eq!(2 * (f16.own_bytes() - 8 * 4), f32.own_bytes() - 8 * 4);
        assert_eq!(flat(&f32, 0, true), rows);
        for (got, want) in flat(&f16, 0, false).iter().zip(rows) {
            assert_eq!(*got, half::f16::from_f32(want).to_f32());
            assert!((got - want).abs() <= want.abs() / 1024.0);
        }
    }

    #[test]
    fn common_prefix_counts_leading_matches() {
        assert_eq!(common_prefix(&[1, 2, 3], &[1, 2, 4]), 2);
        assert_eq!(common_prefix(&[], &[1]), 0);
        assert_eq!(common_prefix(&[5], &[5]), 1);
    }
}
