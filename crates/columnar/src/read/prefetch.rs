//! Asking for memory a few rows before it is needed: the scans look up tables indexed by
//! something each row names (an institution's sums, a text's id, a spilled record), in no order
//! the hardware could guess, and the tables outgrow the core's cache at real sizes.

/// Starts loading the cache line of `item`, if there is one; does nothing else.
#[inline]
pub(crate) fn prefetch<T>(item: Option<&T>) {
    #[cfg(target_arch = "x86_64")]
    if let Some(item) = item {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        // SAFETY: prefetching has no effect on memory
        unsafe { _mm_prefetch::<_MM_HINT_T0>((item as *const T).cast::<i8>()) };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = item;
}
