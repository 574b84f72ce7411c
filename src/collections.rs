//! Maps and sets keyed by schema names, for every stage that looks names
//! up: the standard collections with Fx hashing. A leaf: it uses nothing
//! of ehrdb.
//!
//! The rules look names up millions of times on a large schema; Fx hashing
//! is several times faster than SipHash, and a schema's own names need no
//! protection from collision attacks.

pub(crate) type HashMap<K, V> = std::collections::HashMap<K, V, rustc_hash::FxBuildHasher>;
pub(crate) type HashSet<T> = std::collections::HashSet<T, rustc_hash::FxBuildHasher>;
