//! One product of a quantized weight matrix with a few input rows, spread
//! over candle's worker pool: the output rows are cut into contiguous
//! pieces that the threads take from a shared cursor (so a thread that
//! lost its core leaves its share to the others), and the pool is met once
//! per product.

use std::sync::Mutex;

use super::activation::{ActivationRow, QuantizedRows};
use super::blocks::{BlockFormat, BLOCK};
use super::dispatch::{self, Isa};

/// Weight rows per piece of work: large enough that taking a piece costs
/// little next to computing it, small enough to balance two threads on the
/// smallest products (576 rows).
const ROWS_PER_PIECE: usize = 32;

/// A weight matrix of `rows` x `cols` in `format`, row-major blocks.
#[derive(Clone, Copy)]
pub(crate) struct QuantMatrix<'a> {
    pub(crate) format: BlockFormat,
    pub(crate) bytes: &'a [u8],
    pub(crate) rows: usize,
    pub(crate) cols: usize,
}

impl QuantMatrix<'_> {
    fn row_bytes(&self) -> usize {
        self.cols / BLOCK * self.format.block_bytes()
    }
}

/// `input` (`n` rows of `matrix.cols`) times the transposed matrix:
/// `[n, matrix.rows]`, row-major. Errors when the sizes do not fit.
pub(crate) fn product(
    matrix: &QuantMatrix<'_>,
    input: &[f32],
    n: usize,
) -> candle_core::Result<Vec<f32>> {
    product_with(dispatch::detected(), matrix, input, n)
}

/// [`product`] with a given instruction set.
pub(crate) fn product_with(
    isa: Isa,
    matrix: &QuantMatrix<'_>,
    input: &[f32],
    n: usize,
) -> candle_core::Result<Vec<f32>> {
    let row_bytes = matrix.row_bytes();
    if !matrix.cols.is_multiple_of(BLOCK)
        || matrix.bytes.len() != matrix.rows * row_bytes
        || input.len() != n * matrix.cols
    {
        candle_core::bail!(
            "quantized product: {} bytes for {}x{} {:?}, input of {} for {n} rows",
            matrix.bytes.len(),
            matrix.rows,
            matrix.cols,
            matrix.format,
            input.len()
        )
    }
    if n == 0 || matrix.rows == 0 {
        return Ok(Vec::new());
    }
    let quantized = QuantizedRows::new(input, matrix.cols);
    let acts: Vec<ActivationRow<'_>> = (0..n).map(|r| quantized.row(r)).collect();
    // Output transposed ([rows, n]) so every piece is one contiguous slice.
    let mut transposed = vec![0f32; matrix.rows * n];
    let pieces: Vec<Mutex<&mut [f32]>> = transposed
        .chunks_mut(ROWS_PER_PIECE * n)
        .map(Mutex::new)
        .collect();
    let weight_pieces: Vec<&[u8]> = matrix.bytes.chunks(ROWS_PER_PIECE * row_bytes).collect();
    candle_core::utils::barrier_pool().execute_chunked(pieces.len(), |range| {
        for i in range {
            // Each piece is taken by exactly one thread: the lock is never
            // contended, and a poisoned one only means a panic elsewhere.
            let mut out = pieces[i].lock().unwrap_or_else(|e| e.into_inner());
            dispatch::dot_rows(
                isa,
                matrix.format,
                weight_pieces[i],
                row_bytes,
                &acts,
                &mut out,
            );
        }
    });
    drop(pieces);
    if n == 1 {
        return Ok(transposed);
    }
    let mut out = vec![0f32; n * matrix.rows];
    for (j, values) in transposed.chunks_exact(n).enumerate() {
        for (r, &v) in values.iter().enumerate() {
            out[r * matrix.rows + j] = v;
        }
    }
    Ok(out)
}
