//! Order-preserving parallel map over independent items (fragments).
//!
//! Parsing and printing one fragment never needs another, so a large schema
//! is spread over the machine's cores. Small inputs stay on the calling
//! thread: starting threads would cost more than it saves.

use std::sync::atomic::{AtomicUsize, Ordering};

/// Below this much work (in bytes of input) everything runs on one thread.
const SERIAL_BELOW: usize = 32 * 1024;

/// Parsing recurses; give workers the stack a main thread has.
const STACK_SIZE: usize = 8 * 1024 * 1024;

/// `items.iter().map(f).collect()`, on several threads when the total
/// `size` of the items is large. The result is in the order of `items`.
pub fn map<T, R>(items: &[T], size: impl Fn(&T) -> usize, f: impl Fn(&T) -> R + Sync) -> Vec<R>
where
    T: Sync,
    R: Send,
{
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(items.len());
    let total: usize = items.iter().map(&size).sum();
    if threads <= 1 || total < SERIAL_BELOW {
        return items.iter().map(f).collect();
    }
    let next = AtomicUsize::new(0);
    let mut results: Vec<(usize, R)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                std::thread::Builder::new()
                    .stack_size(STACK_SIZE)
                    .spawn_scoped(scope, || {
                        let mut done = Vec::new();
                        loop {
                            let i = next.fetch_add(1, Ordering::Relaxed);
                            let Some(item) = items.get(i) else { break done };
                            done.push((i, f(item)));
                        }
                    })
                    .expect("a worker thread can be started")
            })
            .collect();
        workers.into_iter().flat_map(|w| w.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))).collect()
    });
    results.sort_unstable_by_key(|(i, _)| *i);
    results.into_iter().map(|(_, r)| r).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn keeps_order_on_one_thread_and_on_many() {
        let small: Vec<usize> = (0..10).collect();
        assert_eq!(super::map(&small, |_| 1, |n| n * 2), (0..10).map(|n| n * 2).collect::<Vec<_>>());
        let large: Vec<usize> = (0..1000).collect();
        assert_eq!(super::map(&large, |_| 1 << 20, |n| n * 2), (0..1000).map(|n| n * 2).collect::<Vec<_>>());
    }
}
