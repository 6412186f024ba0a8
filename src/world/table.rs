//! [`Table`]: the world's lists that can hold thousands (roles, managed policies, OIDC
//! providers, service accounts, pods), kept so that a change costs the same however many
//! they hold.
//!
//! - Copying a table is O(1): its rows and its index are persistent B-trees (`imbl`), so a
//!   change to a copy of the world shares every node it does not touch.
//! - Finding a row by key is O(log n), through the index.
//! - A copy remembers the keys its changes touched ([`Table::touched`]), so the store saves
//!   and checks those rows only, without comparing the old table with the new.
//!
//! Rows keep the order they were added in; one that changes keeps its place. A table can
//! hold two rows with one key (a world file that repeats a role): lookups find the first,
//! and [`Table::has_duplicates`] tells the checks, which refuse such a world.

use std::fmt;
use std::sync::Arc;

use imbl::OrdMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// What a table's rows are found by.
pub trait Keyed: Clone {
    /// The row's key, unique in its table (a role's lowercased name, a policy's ARN, a
    /// service account's `namespace/name`…).
    fn key(&self) -> String;
}

/// An ordered, keyed, persistent list. See the module documentation.
pub struct Table<T> {
    /// The rows by insertion number.
    rows: OrdMap<u64, Arc<T>>,
    /// Each key's first row.
    index: OrdMap<String, u64>,
    next: u64,
    duplicates: bool,
    /// Which table this is a version of: copies keep it, a table made anew gets another,
    /// so a diff knows when [`Table::touched`] tells the whole story.
    lineage: u64,
    /// Keys this copy's changes touched (not carried over to the next copy).
    touched: Vec<String>,
}

impl<T: Keyed> Table<T> {
    /// An empty table.
    pub fn new() -> Self {
        Self {
            rows: OrdMap::new(),
            index: OrdMap::new(),
            next: 0,
            duplicates: false,
            lineage: rand::random(),
            touched: Vec::new(),
        }
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The rows in the order they were added.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &Arc<T>> + '_ {
        self.rows.values()
    }

    /// The row with this key.
    pub fn get(&self, key: &str) -> Option<&Arc<T>> {
        self.index.get(key).and_then(|seq| self.rows.get(seq))
    }

    /// The row with this key, to change in place (it keeps its place).
    pub fn get_mut(&mut self, key: &str) -> Option<&mut T> {
        let seq = *self.index.get(key)?;
        let row = self.rows.get_mut(&seq)?;
        self.touched.push(key.to_owned());
        Some(Arc::make_mut(row))
    }

    /// Adds a row at the end.
    pub fn push(&mut self, item: T) {
        self.push_arc(Arc::new(item));
    }

    fn push_arc(&mut self, item: Arc<T>) {
        let key = item.key();
        let seq = self.next;
        self.next += 1;
        self.rows.insert(seq, item);
        if self.index.contains_key(&key) {
            self.duplicates = true;
        } else {
            self.index.insert(key.clone(), seq);
        }
        self.touched.push(key);
    }

    /// Removes the row with this key and answers it.
    pub fn remove(&mut self, key: &str) -> Option<Arc<T>> {
        let seq = self.index.remove(key)?;
        self.touched.push(key.to_owned());
        self.rows.remove(&seq)
    }

    /// Keeps only the rows for which `keep` is true. O(n): for cascades (a namespace's
    /// deletion), not for the common write.
    pub fn retain(&mut self, mut keep: impl FnMut(&T) -> bool) {
        let gone: Vec<String> = self
            .iter()
            .filter(|row| !keep(row))
            .map(|row| row.key())
            .collect();
        for key in gone {
            self.remove(&key);
        }
    }

    /// Changes every row in place (at load: paths made absolute). O(n).
    pub fn for_each_mut(&mut self, mut change: impl FnMut(&mut T)) {
        let rows: Vec<u64> = self.rows.keys().copied().collect();
        for seq in rows {
            if let Some(row) = self.rows.get_mut(&seq) {
                let row = Arc::make_mut(row);
                change(row);
                self.touched.push(row.key());
            }
        }
    }

    /// Whether two rows share a key.
    pub fn has_duplicates(&self) -> bool {
        self.duplicates
    }

    /// The keys this copy's changes touched, oldest first (a key may repeat).
    pub fn touched(&self) -> &[String] {
        &self.touched
    }

    /// Whether `self` is a changed copy of `before`, so that [`Table::touched`] lists
    /// everything that differs between them.
    pub fn descends_from(&self, before: &Self) -> bool {
        self.lineage == before.lineage
    }
}

impl<'a, T> IntoIterator for &'a Table<T> {
    type Item = &'a Arc<T>;
    type IntoIter = imbl::ordmap::Values<'a, u64, Arc<T>, imbl::shared_ptr::DefaultSharedPtr>;

    fn into_iter(self) -> Self::IntoIter {
        self.rows.values()
    }
}

impl<T: Keyed> Default for Table<T> {
    fn default() -> Self {
        Self::new()
    }
}

/// A copy shares the rows and starts with nothing touched.
impl<T> Clone for Table<T> {
    fn clone(&self) -> Self {
        Self {
            rows: self.rows.clone(),
            index: self.index.clone(),
            next: self.next,
            duplicates: self.duplicates,
            lineage: self.lineage,
            touched: Vec::new(),
        }
    }
}

impl<T: Keyed> FromIterator<T> for Table<T> {
    fn from_iter<I: IntoIterator<Item = T>>(items: I) -> Self {
        let mut table = Self::new();
        for item in items {
            table.push(item);
        }
        table.touched.clear();
        table
    }
}

impl<T: Keyed> FromIterator<Arc<T>> for Table<T> {
    fn from_iter<I: IntoIterator<Item = Arc<T>>>(items: I) -> Self {
        let mut table = Self::new();
        for item in items {
            table.push_arc(item);
        }
        table.touched.clear();
        table
    }
}

impl<T: fmt::Debug> fmt::Debug for Table<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.rows.values()).finish()
    }
}

/// Serialized as the list of its rows, as the world file writes them.
impl<T: Serialize> Serialize for Table<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.rows.values().map(Arc::as_ref))
    }
}

impl<'de, T: Keyed + Deserialize<'de>> Deserialize<'de> for Table<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(Vec::<T>::deserialize(deserializer)?.into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, PartialEq)]
    struct Row(&'static str, u32);

    impl Keyed for Row {
        fn key(&self) -> String {
            self.0.to_owned()
        }
    }

    fn keys(table: &Table<Row>) -> Vec<&'static str> {
        table.iter().map(|row| row.0).collect()
    }

    #[test]
    fn rows_keep_their_order_and_are_found_by_key() {
        let mut table: Table<Row> = [Row("a", 1), Row("b", 2), Row("c", 3)]
            .into_iter()
            .collect();
        assert!(table.touched().is_empty());
        table.remove("b");
        table.push(Row("b", 4));
        table.get_mut("a").unwrap().1 = 10;
        assert_eq!(keys(&table), ["a", "c", "b"]);
        assert_eq!(table.get("a").unwrap().1, 10);
        assert_eq!(table.get("b").unwrap().1, 4);
        assert!(table.get("z").is_none());
        assert_eq!(table.touched(), ["b", "b", "a"]);
    }

    #[test]
    fn a_copy_shares_rows_changes_alone_and_touches_nothing_yet() {
        let mut before: Table<Row> = (0..1000).map(|_| Row("x", 0)).take(1).collect();
        before.push(Row("y", 1));
        let mut after = before.clone();
        assert!(after.touched().is_empty());
        assert!(after.descends_from(&before));
        assert!(Arc::ptr_eq(
            after.get("y").unwrap(),
            before.get("y").unwrap()
        ));
        after.get_mut("y").unwrap().1 = 2;
        assert_eq!(before.get("y").unwrap().1, 1, "the original is untouched");
        assert_eq!(after.touched(), ["y"]);
        assert!(!Table::<Row>::new().descends_from(&before));
    }

    #[test]
    fn a_repeated_key_is_kept_and_reported() {
        let table: Table<Row> = [Row("a", 1), Row("a", 2)].into_iter().collect();
        assert_eq!(table.len(), 2);
        assert!(table.has_duplicates());
        assert_eq!(table.get("a").unwrap().1, 1, "lookups find the first");
    }

    #[test]
    fn retain_removes_and_touches() {
        let mut table: Table<Row> = [Row("a", 1), Row("b", 2), Row("c", 3)]
            .into_iter()
            .collect();
        table.retain(|row| row.1 != 2);
        assert_eq!(keys(&table), ["a", "c"]);
        assert_eq!(table.touched(), ["b"]);
    }
}
