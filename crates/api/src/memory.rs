//! Handing memory back to the system after the start.
//!
//! Building the HTTP app generates the OpenAPI description of every route, once per worker
//! thread, and drops it: tens of megabytes for a moment. mimalloc keeps freed pages for a
//! thread to reuse and returns them only when that thread allocates again after a delay —
//! which an idle worker never does, so an idle server sat at twice the memory it needs.
//! Each thread that built something large asks for its pages to be returned at once.

/// Returns the calling thread's free pages (and the arenas' pending ones) to the system.
#[allow(unsafe_code)]
pub fn give_back() {
    // SAFETY: `mi_collect` takes no pointers and has no preconditions; it may be called from
    // any thread at any time (it only walks the allocator's own free lists).
    unsafe { libmimalloc_sys::mi_collect(true) }
}
