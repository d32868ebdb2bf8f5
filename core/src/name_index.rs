//! Names → numbers, for the engine's lookups by name (field, event type,
//! achievement key).
//!
//! A sorted vector searched by bisection rather than a hash map: the
//! catalogs are small (tens of event types, at most thousands of keys), a
//! lookup costs a handful of string comparisons, and the WebAssembly build
//! links no hash table, hasher or random seed for it.

use crate::sorted_map::SortedMap;

/// An immutable map from names to numbers, sorted by name.
#[derive(Clone, Debug, Default)]
pub(crate) struct NameIndex {
    entries: Vec<(String, usize)>,
}

impl NameIndex {
    /// Builds the index; when a name comes twice, the last number wins.
    pub(crate) fn new<'a>(entries: impl IntoIterator<Item = (&'a str, usize)>) -> Self {
        // Inserted one by one: `collect` would link a stable sort as well.
        let mut sorted = SortedMap::new();
        for (name, n) in entries {
            sorted.insert(name, n);
        }
        NameIndex { entries: sorted.into_iter().map(|(name, n)| (name.to_owned(), n)).collect() }
    }

    pub(crate) fn get(&self, name: &str) -> Option<usize> {
        let i = self.entries.binary_search_by(|(n, _)| n.as_str().cmp(name)).ok()?;
        self.entries.get(i).map(|&(_, n)| n)
    }

    pub(crate) fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::NameIndex;

    #[test]
    fn finds_every_name_and_nothing_else() {
        let index = NameIndex::new([("streak", 2), ("apple", 0), ("zebra", 1), ("apple", 3)]);
        assert_eq!(index.get("apple"), Some(3));
        assert_eq!(index.get("streak"), Some(2));
        assert_eq!(index.get("zebra"), Some(1));
        assert_eq!(index.get("pear"), None);
        assert_eq!(index.get(""), None);
        assert!(!NameIndex::default().contains("apple"));
    }
}
