//! The first row of every key in a unique column (身份证号, 卡号): the in-file duplicate check of
//! an import.
//!
//! The keys are kept one after another in a single text buffer and the table holds only their
//! offsets, so 100,000 ID numbers are a handful of allocations instead of 100,000 small strings.
//! That matters for a big roster: the check runs on the thread that cleans cells while the other
//! parses the XML, and every allocation there (and every free when the import ends) slowed the
//! parse it runs beside.

use hashbrown::{DefaultHashBuilder, HashTable};
use std::hash::BuildHasher;

/// Keys seen so far, compared without ASCII case (`x` and `X` close the same ID number).
#[derive(Default)]
pub struct FirstRows {
    /// Every key, upper-cased, one after another.
    text: String,
    table: HashTable<Entry>,
    hasher: DefaultHashBuilder,
}

struct Entry {
    start: usize,
    end: usize,
    row: u32,
}

impl FirstRows {
    /// Room for `keys` keys without growing.
    pub fn with_capacity(keys: usize) -> Self {
        FirstRows {
            text: String::with_capacity(keys * 20),
            table: HashTable::with_capacity(keys),
            hasher: DefaultHashBuilder::default(),
        }
    }

    /// Remembers `key` as first seen in `row`, or returns the row that had it first (and keeps
    /// that one).
    pub fn first_or_insert(&mut self, key: &str, row: u32) -> Option<u32> {
        let start = self.text.len();
        self.text.push_str(key);
        self.text[start..].make_ascii_uppercase();
        let end = self.text.len();
        let (text, hasher) = (&self.text, &self.hasher);
        let folded = &text[start..end];
        let hash = hasher.hash_one(folded);
        if let Some(first) = self.table.find(hash, |e| &text[e.start..e.end] == folded) {
            let row = first.row;
            self.text.truncate(start);
            return Some(row);
        }
        self.table.insert_unique(hash, Entry { start, end, row }, |e| hasher.hash_one(&text[e.start..e.end]));
        None
    }

    pub fn len(&self) -> usize {
        self.table.len()
    }

    pub fn is_empty(&self) -> bool {
        self.table.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_row_of_a_key_is_kept_and_case_does_not_matter() {
        let mut seen = FirstRows::with_capacity(2);
        assert_eq!(seen.first_or_insert("11010519491231002x", 3), None);
        assert_eq!(seen.first_or_insert("110105194912310029", 4), None);
        assert_eq!(seen.first_or_insert("11010519491231002X", 9), Some(3));
        assert_eq!(seen.first_or_insert("11010519491231002x", 12), Some(3));
        assert_eq!(seen.len(), 2);
    }

    #[test]
    fn many_keys_grow_the_table_without_losing_any() {
        let mut seen = FirstRows::with_capacity(4);
        for i in 0..10_000u32 {
            assert_eq!(seen.first_or_insert(&format!("ic:{i:08}"), i + 2), None);
        }
        for i in (0..10_000u32).step_by(97) {
            assert_eq!(seen.first_or_insert(&format!("IC:{i:08}"), 99_999), Some(i + 2));
        }
        assert_eq!(seen.len(), 10_000);
        assert!(!seen.is_empty());
    }
}
