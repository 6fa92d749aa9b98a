//! The byte layout of the block formats the own kernels read (GGML's, as
//! candle stores them): 32 weights per block, an f16 scale first.

use candle_core::quantized::GgmlDType;

/// Weights per block, in every supported format.
pub(crate) const BLOCK: usize = 32;

/// A block format the own kernels multiply directly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BlockFormat {
    /// f16 scale `d`, 16 bytes of 4-bit values `q`: weight = `d * (q - 8)`.
    Q4_0,
    /// f16 scale `d`, f16 minimum `m`, 16 bytes of 4-bit values `q`:
    /// weight = `d * q + m`.
    Q4_1,
    /// f16 scale `d`, 32 signed bytes `q`: weight = `d * q`.
    Q8_0,
}

impl BlockFormat {
    /// The format of `dtype`, if the own kernels support it.
    pub(crate) fn of(dtype: GgmlDType) -> Option<Self> {
        match dtype {
            GgmlDType::Q4_0 => Some(Self::Q4_0),
            GgmlDType::Q4_1 => Some(Self::Q4_1),
            GgmlDType::Q8_0 => Some(Self::Q8_0),
            _ => None,
        }
    }

    /// Bytes of one block.
    pub(crate) fn block_bytes(self) -> usize {
        match self {
            Self::Q4_0 => 18,
            Self::Q4_1 => 20,
            Self::Q8_0 => 34,
        }
    }
}

/// The f16 at `bytes[at..at + 2]` (little endian) as f32 (exact).
#[inline(always)]
pub(crate) fn f16_at(bytes: &[u8], at: usize) -> f32 {
    half::f16::from_bits(u16::from_le_bytes([bytes[at], bytes[at + 1]])).to_f32()
}

/// Scale and offset of a 4-bit block: weight = `scale * nibble + offset`
/// (for Q4_0 the offset is `-8 * scale`), and where its nibbles start.
/// Nibble `j` of the 16 bytes holds weight `j` in its low half and weight
/// `j + 16` in its high half.
#[inline(always)]
pub(crate) fn nibble_block(format: BlockFormat, block: &[u8]) -> (f32, f32, usize) {
    let scale = f16_at(block, 0);
    match format {
        BlockFormat::Q4_1 => (scale, f16_at(block, 2), 4),
        _ => (scale, -8.0 * scale, 2),
    }
}
