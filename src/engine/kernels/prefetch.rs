//! A hint to the CPU to load memory that will be read soon.
#![allow(unsafe_code)] // the x86 prefetch instruction

/// Asks the CPU to start loading the cache lines of `row` (up to 128
/// bytes) now, for a row read a few positions later: cache rows are strided,
/// which the hardware prefetcher follows poorly. A hint only.
#[inline]
pub(crate) fn row<T>(row: &[T]) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        let bytes = std::mem::size_of_val(row);
        let start = row.as_ptr().cast::<i8>();
        for offset in (0..bytes.min(128)).step_by(64) {
            // SAFETY: prefetching is a hint that never faults; the address
            // lies inside `row`.
            unsafe { _mm_prefetch::<_MM_HINT_T0>(start.add(offset)) };
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = row;
}
