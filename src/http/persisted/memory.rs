//! The registered documents one process keeps in memory, least recently used evicted first.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// The registered documents this process keeps, least recently used evicted first.
pub(super) struct Memory {
    capacity: usize,
    clock: u64,
    kept: HashMap<String, Kept>,
    /// Hashes by when they were last used.
    order: BTreeMap<u64, String>,
}

pub(super) struct Kept {
    text: Arc<str>,
    used: u64,
    /// When the shared table last recorded its use (microseconds since the epoch).
    touched: i64,
}

impl Memory {
    pub(super) fn new(capacity: usize) -> Self {
        Self { capacity: capacity.max(1), clock: 0, kept: HashMap::new(), order: BTreeMap::new() }
    }

    pub(super) fn get(&mut self, hash: &str) -> Option<(Arc<str>, i64)> {
        self.clock += 1;
        let kept = self.kept.get_mut(hash)?;
        self.order.remove(&kept.used);
        kept.used = self.clock;
        self.order.insert(self.clock, hash.to_owned());
        Some((kept.text.clone(), kept.touched))
    }

    pub(super) fn keep(&mut self, hash: String, text: Arc<str>, touched: i64) {
        self.clock += 1;
        if let Some(old) = self.kept.remove(&hash) {
            self.order.remove(&old.used);
        }
        while self.kept.len() >= self.capacity {
            let Some((_, oldest)) = self.order.pop_first() else { break };
            self.kept.remove(&oldest);
        }
        self.order.insert(self.clock, hash.clone());
        self.kept.insert(hash, Kept { text, used: self.clock, touched });
    }

    pub(super) fn touched(&mut self, hash: &str, at: i64) {
        if let Some(kept) = self.kept.get_mut(hash) {
            kept.touched = at;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_memory_evicts_the_least_recently_used() {
        let mut memory = Memory::new(2);
        memory.keep("a".into(), "A".into(), 0);
        memory.keep("b".into(), "B".into(), 0);
        assert!(memory.get("a").is_some());
        memory.keep("c".into(), "C".into(), 0);
        assert!(memory.get("b").is_none(), "b was the least recently used");
        assert!(memory.get("a").is_some() && memory.get("c").is_some());
        assert_eq!(memory.kept.len(), memory.order.len());
    }
}
