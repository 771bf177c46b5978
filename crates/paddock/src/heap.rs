//! The process heap on Linux: blocks of up to 256 KiB come from one arena on a transparent
//! huge page, owned by the thread that allocates first (the main thread); everything else goes
//! to the system allocator.
//!
//! `paddock template` makes about 21,000 allocations in a few milliseconds. The system
//! allocator spends about 5 M instructions on them, and the kernel about 350 page faults
//! (over a millisecond here) filling the heap page by page. One huge page is one fault, and a
//! block from a size-class free list costs a handful of instructions (docs/benchmarks.md).
//! Where transparent huge pages are off, the arena still works, filled page by page.
//!
//! Only the owner thread touches the arena's bookkeeping, so it needs no lock. Other threads
//! (the Kubernetes client's runtime) use the system allocator; an arena block freed by another
//! thread is not reused, which bounds that loss by the arena's size.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::UnsafeCell;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The arena's size: one transparent huge page.
const ARENA_SIZE: usize = 2 << 20;
/// The largest block the arena serves; larger ones go to the system allocator.
const MAX_BLOCK: usize = 256 << 10;
/// Every arena block is aligned to this; stricter alignments go to the system allocator.
const BLOCK_ALIGN: usize = 16;
/// Size classes: multiples of 16 up to 128 bytes, then four per doubling up to [`MAX_BLOCK`].
const CLASSES: usize = 52;

/// The size class of a block of `size` bytes (1 ..= [`MAX_BLOCK`]).
fn class_of(size: usize) -> usize {
    if size <= 128 {
        return size.div_ceil(16) - 1;
    }
    let s = size - 1;
    let log = usize::BITS as usize - 1 - s.leading_zeros() as usize;
    let quarter = (s >> (log - 2)) & 3;
    8 + (log - 7) * 4 + quarter
}

/// The bytes a block of size class `class` takes.
fn class_size(class: usize) -> usize {
    if class < 8 {
        return (class + 1) * 16;
    }
    let log = (class - 8) / 4 + 7;
    let quarter = (class - 8) % 4;
    (5 + quarter) << (log - 2)
}

/// A region carved into blocks: a bump pointer, and one free list per size class.
struct Arena {
    base: usize,
    len: usize,
    top: usize,
    free: [usize; CLASSES],
}

impl Arena {
    /// An arena with no memory: every request is refused.
    const fn empty() -> Arena {
        Arena {
            base: 0,
            len: 0,
            top: 0,
            free: [0; CLASSES],
        }
    }

    /// An arena over `len` bytes at `base` (aligned to [`BLOCK_ALIGN`]).
    fn over(base: usize, len: usize) -> Arena {
        debug_assert_eq!(base % BLOCK_ALIGN, 0);
        Arena {
            base,
            len,
            ..Arena::empty()
        }
    }

    /// Whether `ptr` points into this arena.
    #[cfg(test)]
    fn contains(&self, ptr: *mut u8) -> bool {
        (ptr as usize).wrapping_sub(self.base) < self.len
    }

    /// A block for `size` bytes (1 ..= [`MAX_BLOCK`]), or null when the arena is full.
    fn alloc(&mut self, size: usize) -> *mut u8 {
        let class = class_of(size);
        let head = self.free[class];
        if head != 0 {
            // SAFETY: a free block holds the address of the next free block of its class.
            self.free[class] = unsafe { *(head as *const usize) };
            return head as *mut u8;
        }
        let bytes = class_size(class);
        if self.len - self.top < bytes {
            return std::ptr::null_mut();
        }
        let block = self.base + self.top;
        self.top += bytes;
        block as *mut u8
    }

    /// Takes back a block this arena handed out for `size` bytes.
    ///
    /// # Safety
    /// `ptr` came from [`Arena::alloc`] (or [`Arena::resize`]) for `size` bytes and is not used
    /// again.
    unsafe fn dealloc(&mut self, ptr: *mut u8, size: usize) {
        let class = class_of(size);
        let block = ptr as usize;
        if block + class_size(class) == self.base + self.top {
            self.top = block - self.base;
        } else {
            // SAFETY: the block is at least 16 bytes, aligned, and no longer in use.
            unsafe { *(block as *mut usize) = self.free[class] };
            self.free[class] = block;
        }
    }

    /// Whether the block at `ptr`, handed out for `size` bytes, can hold `new_size` bytes
    /// where it is: same size class, or the last block before the bump pointer with room to
    /// grow or shrink.
    ///
    /// # Safety
    /// `ptr` came from this arena for `size` bytes.
    unsafe fn resize(&mut self, ptr: *mut u8, size: usize, new_size: usize) -> bool {
        if new_size == 0 || new_size > MAX_BLOCK {
            return false;
        }
        let (class, new_class) = (class_of(size), class_of(new_size));
        if class == new_class {
            return true;
        }
        let offset = ptr as usize - self.base;
        if offset + class_size(class) != self.top {
            return false;
        }
        let end = offset + class_size(new_class);
        if end > self.len {
            return false;
        }
        self.top = end;
        true
    }
}

thread_local! {
    /// A byte whose address tells threads apart (each live thread has its own copy).
    static THREAD_MARK: u8 = const { 0 };
}

/// The current thread's token: the address of its [`THREAD_MARK`] (0 if unavailable, which
/// no owner has).
fn thread_token() -> usize {
    THREAD_MARK
        .try_with(|mark| mark as *const u8 as usize)
        .unwrap_or(0)
}

/// The global allocator of the `paddock` binary (see the module documentation).
pub struct Heap {
    arena: UnsafeCell<Arena>,
    /// The owner thread's token, 0 until a thread claims the arena.
    owner: AtomicUsize,
    base: AtomicUsize,
}

// SAFETY: the arena's bookkeeping is only read or written by the thread whose token is in
// `owner` (`is_owner`, which every arena access checks first); other threads only read `base`,
// an atomic set before any arena block exists.
unsafe impl Sync for Heap {}

impl Heap {
    /// A heap whose arena is mapped by the first thread that allocates from it.
    pub const fn new() -> Heap {
        Heap {
            arena: UnsafeCell::new(Arena::empty()),
            owner: AtomicUsize::new(0),
            base: AtomicUsize::new(0),
        }
    }

    /// Whether the current thread owns the arena; the first thread to ask claims it.
    fn is_owner(&self) -> bool {
        let me = thread_token();
        match self.owner.load(Ordering::Acquire) {
            0 if me != 0 => {
                let won = self
                    .owner
                    .compare_exchange(0, me, Ordering::AcqRel, Ordering::Acquire)
                    .is_ok();
                if won {
                    // SAFETY: this thread just became the only one to touch the arena.
                    unsafe { self.map_arena() };
                }
                won
            }
            owner => owner == me && me != 0,
        }
    }

    /// Maps the arena (huge-page backed where the kernel allows); without it the arena stays
    /// empty and every request goes to the system allocator.
    ///
    /// # Safety
    /// Called once, by the owner thread.
    unsafe fn map_arena(&self) {
        let Some(base) = map_huge_region(ARENA_SIZE) else {
            return;
        };
        // SAFETY: only the owner thread reaches the arena (see `Sync` above).
        unsafe { *self.arena.get() = Arena::over(base, ARENA_SIZE) };
        self.base.store(base, Ordering::Release);
    }

    /// Whether `ptr` is an arena block (safe to ask from any thread).
    fn in_arena(&self, ptr: *mut u8) -> bool {
        let base = self.base.load(Ordering::Acquire);
        base != 0 && (ptr as usize).wrapping_sub(base) < ARENA_SIZE
    }

    /// The arena, for the owner thread.
    ///
    /// # Safety
    /// The caller is the owner thread and holds no other reference to the arena.
    #[allow(clippy::mut_from_ref)]
    unsafe fn arena(&self) -> &mut Arena {
        // SAFETY: guaranteed by the caller.
        unsafe { &mut *self.arena.get() }
    }

    /// Whether a request of this shape may come from the arena (callers never ask for zero
    /// bytes, but such a request would have no size class, so it goes to the system).
    fn fits_arena(layout: Layout) -> bool {
        layout.align() <= BLOCK_ALIGN && layout.size() <= MAX_BLOCK && layout.size() != 0
    }
}

impl Default for Heap {
    fn default() -> Heap {
        Heap::new()
    }
}

// SAFETY: arena blocks are distinct, at least `layout.size()` bytes and 16-aligned (all
// class sizes are multiples of 16 from a 16-aligned base); the rest is the system allocator.
unsafe impl GlobalAlloc for Heap {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if Heap::fits_arena(layout) && self.is_owner() {
            // SAFETY: owner thread, no other arena reference alive.
            let block = unsafe { self.arena() }.alloc(layout.size());
            if !block.is_null() {
                return block;
            }
        }
        // SAFETY: forwarded as is.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if Heap::fits_arena(layout) && self.is_owner() {
            // SAFETY: owner thread, no other arena reference alive.
            let block = unsafe { self.arena() }.alloc(layout.size());
            if !block.is_null() {
                // SAFETY: the block holds at least `layout.size()` bytes.
                unsafe { block.write_bytes(0, layout.size()) };
                return block;
            }
        }
        // SAFETY: forwarded as is.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if self.in_arena(ptr) {
            if self.is_owner() {
                // SAFETY: an arena block, handed out for this layout (or resized to it in
                // place by `realloc`), freed by its owner.
                unsafe { self.arena().dealloc(ptr, layout.size()) };
            }
            // Freed by another thread: left unused rather than touched without a lock.
            return;
        }
        // SAFETY: not an arena block, so the system allocator's.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if !self.in_arena(ptr) {
            // SAFETY: the system allocator's block.
            return unsafe { System.realloc(ptr, layout, new_size) };
        }
        // SAFETY: an arena block handed out for `layout`, resized by its owner.
        if self.is_owner() && unsafe { self.arena().resize(ptr, layout.size(), new_size) } {
            return ptr;
        }
        // SAFETY: `new_size` is non-zero and, rounded to the alignment, fits `isize`
        // (the caller's contract for `realloc`).
        let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        // SAFETY: a valid, non-zero-sized layout.
        let moved = unsafe { self.alloc(new_layout) };
        if !moved.is_null() {
            // SAFETY: both blocks hold at least the bytes copied, and are distinct.
            unsafe {
                std::ptr::copy_nonoverlapping(ptr, moved, layout.size().min(new_size));
                self.dealloc(ptr, layout);
            }
        }
        moved
    }
}

/// Maps `len` bytes (a multiple of 2 MiB) of fresh memory aligned to 2 MiB, asking the kernel
/// to back it with transparent huge pages.
fn map_huge_region(len: usize) -> Option<usize> {
    const HUGE_PAGE: usize = 2 << 20;
    // One huge page more than asked, so that an aligned `len` bytes lie inside; the slack
    // around them is never touched, so never resident.
    let reserve = len + HUGE_PAGE;
    // SAFETY: an anonymous private mapping at an address of the kernel's choosing.
    let raw = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            reserve,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
            -1,
            0,
        )
    };
    if raw == libc::MAP_FAILED {
        return None;
    }
    let base = (raw as usize).next_multiple_of(HUGE_PAGE);
    // SAFETY: the range lies inside the mapping just made. Without huge pages (the kernel
    // refuses the advice) the arena still works, page by page.
    unsafe { libc::madvise(base as *mut libc::c_void, len, libc::MADV_HUGEPAGE) };
    Some(base)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn classes_cover_every_size_tightly_and_in_order() {
        let mut previous = 0;
        for size in 1..=MAX_BLOCK {
            let class = class_of(size);
            let bytes = class_size(class);
            assert!(class < CLASSES, "size {size}");
            assert!(bytes >= size, "size {size} in class {class} of {bytes}");
            assert_eq!(bytes % BLOCK_ALIGN, 0, "class {class}");
            // At most a quarter (or 15 bytes) wasted.
            assert!(bytes - size <= (size / 4).max(15), "size {size}: {bytes}");
            assert!(class == previous || class == previous + 1, "size {size}");
            previous = class;
        }
        assert_eq!(class_of(MAX_BLOCK), CLASSES - 1);
        assert_eq!(class_size(CLASSES - 1), MAX_BLOCK);
    }

    /// An arena over a test buffer.
    fn test_arena(buffer: &mut Vec<u128>) -> Arena {
        Arena::over(buffer.as_mut_ptr() as usize, buffer.len() * 16)
    }

    #[test]
    fn freed_blocks_are_reused_and_the_top_block_grows_in_place() {
        let mut buffer = vec![0u128; 4096];
        let mut arena = test_arena(&mut buffer);
        let a = arena.alloc(24);
        let b = arena.alloc(100);
        assert_eq!(b as usize - a as usize, 32);
        unsafe { arena.dealloc(a, 24) };
        assert_eq!(arena.alloc(32), a, "same class, reused");
        // `b` is the top block: it grows where it is.
        assert!(unsafe { arena.resize(b, 100, 5000) });
        let c = arena.alloc(16);
        assert_eq!(c as usize, b as usize + class_size(class_of(5000)));
        assert!(!unsafe { arena.resize(b, 5000, 9000) }, "no longer on top");
        assert!(unsafe { arena.resize(b, 5000, 5100) }, "same class");
        // Freeing the top block gives its bytes back to the bump pointer.
        let top = arena.top;
        unsafe { arena.dealloc(c, 16) };
        assert_eq!(arena.top, top - 16);
    }

    #[test]
    fn a_full_arena_refuses() {
        let mut buffer = vec![0u128; 80];
        let mut arena = test_arena(&mut buffer);
        assert!(!arena.alloc(1000).is_null(), "1,024 bytes of 1,280");
        assert!(arena.alloc(1000).is_null());
        assert!(!arena.alloc(16).is_null());
        assert!(!arena.contains(std::ptr::null_mut()));
    }

    #[derive(Debug, Clone)]
    enum Step {
        Alloc(usize),
        Free(usize),
        Resize(usize, usize),
    }

    fn step() -> impl Strategy<Value = Step> {
        let size = prop_oneof![4 => 1usize..200, 2 => 1usize..5000, 1 => 1usize..MAX_BLOCK];
        prop_oneof![
            size.clone().prop_map(Step::Alloc),
            any::<usize>().prop_map(Step::Free),
            (any::<usize>(), size).prop_map(|(i, s)| Step::Resize(i, s)),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        /// Live blocks never overlap and keep their bytes through frees and resizes of others.
        #[test]
        fn live_blocks_stay_intact(steps in prop::collection::vec(step(), 1..300)) {
            let mut buffer = vec![0u128; (1 << 20) / 16];
            let mut arena = test_arena(&mut buffer);
            let mut live: Vec<(*mut u8, usize, u8)> = Vec::new();
            let check = |live: &[(*mut u8, usize, u8)]| {
                for &(ptr, size, fill) in live {
                    let bytes = unsafe { std::slice::from_raw_parts(ptr, size) };
                    assert!(bytes.iter().all(|&b| b == fill));
                }
            };
            for (n, step) in steps.into_iter().enumerate() {
                let fill = n as u8;
                match step {
                    Step::Alloc(size) => {
                        let ptr = arena.alloc(size);
                        if !ptr.is_null() {
                            prop_assert!(arena.contains(ptr) && (ptr as usize).is_multiple_of(BLOCK_ALIGN));
                            unsafe { ptr.write_bytes(fill, size) };
                            live.push((ptr, size, fill));
                        }
                    }
                    Step::Free(i) if !live.is_empty() => {
                        let (ptr, size, _) = live.swap_remove(i % live.len());
                        unsafe { arena.dealloc(ptr, size) };
                    }
                    Step::Resize(i, new_size) if !live.is_empty() => {
                        let i = i % live.len();
                        let (ptr, size, _) = live[i];
                        if unsafe { arena.resize(ptr, size, new_size) } {
                            unsafe { ptr.write_bytes(fill, new_size) };
                            live[i] = (ptr, new_size, fill);
                        }
                    }
                    _ => {}
                }
                check(&live);
            }
        }
    }

    #[test]
    fn a_heap_serves_its_owner_from_the_arena_and_others_from_the_system() {
        let heap = Heap::new();
        let layout = |size| Layout::from_size_align(size, 8).unwrap();
        unsafe {
            // This thread claims the heap's arena with its first request.
            let a = heap.alloc(layout(100));
            assert!(heap.in_arena(a));
            a.write_bytes(7, 100);
            // The top block grows in place; beyond the largest block it moves to the system.
            let b = heap.realloc(a, layout(100), 3000);
            assert_eq!(a, b);
            let big = heap.realloc(b, layout(3000), MAX_BLOCK + 1);
            assert!(!heap.in_arena(big));
            assert!(std::slice::from_raw_parts(big, 100).iter().all(|&x| x == 7));
            heap.dealloc(big, layout(MAX_BLOCK + 1));
            // Stricter alignments go to the system too.
            let wide = Layout::from_size_align(64, 64).unwrap();
            let c = heap.alloc(wide);
            assert!(!heap.in_arena(c) && (c as usize).is_multiple_of(64));
            heap.dealloc(c, wide);
            // A reused block still comes back zeroed when asked.
            let z = heap.alloc(layout(200));
            z.write_bytes(0xff, 200);
            heap.dealloc(z, layout(200));
            let z = heap.alloc_zeroed(layout(200));
            assert!(heap.in_arena(z));
            assert!(std::slice::from_raw_parts(z, 200).iter().all(|&x| x == 0));
            // Another thread gets system memory, and an arena block it frees is left alone.
            let d = heap.alloc(layout(100)) as usize;
            std::thread::scope(|scope| {
                scope.spawn(|| {
                    let e = heap.alloc(layout(100));
                    assert!(!e.is_null() && !heap.in_arena(e));
                    heap.dealloc(e, layout(100));
                    heap.dealloc(d as *mut u8, layout(100));
                });
            });
            assert_ne!(heap.alloc(layout(100)) as usize, d);
        }
    }

    #[test]
    fn owner_and_other_threads_work_side_by_side() {
        let heap = Heap::new();
        let layout = |size| Layout::from_size_align(size, 8).unwrap();
        // Claimed by this thread before the others start.
        unsafe { heap.dealloc(heap.alloc(layout(16)), layout(16)) };
        let run = |seed: usize| {
            let mut kept: Vec<(*mut u8, usize, u8)> = Vec::new();
            for i in 0..3000usize {
                let size = 1 + (i * 37 + seed * 101) % 5000;
                let fill = (i + seed) as u8;
                unsafe {
                    let block = heap.alloc(layout(size));
                    block.write_bytes(fill, size);
                    kept.push((block, size, fill));
                    if i % 3 == 0 {
                        let (block, size, fill) = kept.swap_remove((i * 7) % kept.len());
                        let bytes = std::slice::from_raw_parts(block, size);
                        assert!(bytes.iter().all(|&b| b == fill));
                        heap.dealloc(block, layout(size));
                    }
                }
            }
            for (block, size, fill) in kept {
                let bytes = unsafe { std::slice::from_raw_parts(block, size) };
                assert!(bytes.iter().all(|&b| b == fill));
                unsafe { heap.dealloc(block, layout(size)) };
            }
        };
        std::thread::scope(|scope| {
            for seed in 1..4 {
                scope.spawn(move || run(seed));
            }
            run(0);
        });
    }
}
