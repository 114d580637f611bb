//! Why an array did not open, in words that say what to do.
//!
//! zarrs reports a missing store, a missing array and a path that names a
//! group alike ("array metadata is missing"), and a codec it was built
//! without as "codec blosc is not supported". When an open fails, this
//! module looks at the store (a short, bounded walk of its groups) and says
//! which it is: `no Zarr store at <store>`, `no array at /x in <store>
//! (the store holds: /a, /b)`, `/g in <store> is a group, not an array`,
//! or which feature reads the codec. zarrs' error stays the
//! [`source`](std::error::Error::source) of the
//! [`Backend`](lazy_core::ErrorKind::Backend) error.
//!
//! Object stores add their own ways to fail (no credentials, a missing
//! bucket, an `http://` endpoint not allowed); `cloud.rs` explains those
//! through [`Explain::failed`].

use std::collections::VecDeque;
use std::path::Path;

use lazy_core::Error;
use zarrs::array::ArrayCreateError;
use zarrs::node::NodePath;
use zarrs::plugin::PluginCreateError;
use zarrs::storage::StorageError;

/// A store to look into when an open fails.
pub(crate) trait Explain: Browse {
    /// The store as messages name it (a directory, a URL).
    fn store(&self) -> String;

    /// Why the store cannot be looked into at all (a directory that is
    /// not there), when that is so: the whole message.
    fn absent(&self) -> Option<String> {
        None
    }

    /// What to do about a request that failed with `error` (the text of
    /// the storage error), when something can be said; `None` leaves
    /// zarrs' message.
    fn failed(&self, error: &str) -> Option<String> {
        let _ = error;
        None
    }
}

/// The error of an open of `node` that failed with `e`, explained by
/// looking into the store.
pub(crate) fn open_error(how: &dyn Explain, node: &NodePath, e: ArrayCreateError) -> Error {
    let context = || format!("cannot open Zarr array {node} in {}", how.store());
    let codec = |m: &str| {
        let explained = unsupported_codec(m);
        (explained != m).then(|| format!("{}: {explained}", context()))
    };
    let explained = match &e {
        ArrayCreateError::MissingMetadata => Some(missing(how, node)),
        // A v3 group's zarr.json does not parse as an array's.
        ArrayCreateError::StorageError(StorageError::InvalidMetadata(..))
            if is_group(how, node) =>
        {
            Some(missing(how, node))
        }
        ArrayCreateError::CodecsCreateError(PluginCreateError::Unsupported(u)) => {
            codec(&u.to_string())
        }
        ArrayCreateError::UnsupportedZarrV2Array(m) => codec(m),
        // A store that is not there (a file, say) fails the read itself.
        ArrayCreateError::StorageError(s) => how.absent().or_else(|| {
            how.failed(&s.to_string())
                .map(|hint| format!("{}: {hint}", context()))
        }),
        _ => None,
    };
    let message = explained.unwrap_or_else(|| format!("{}: {e}", context()));
    Error::backend(message, e)
}

/// Why there is no array at `node`: the whole message.
pub(crate) fn missing(how: &dyn Explain, node: &NodePath) -> String {
    if let Some(absent) = how.absent() {
        return absent;
    }
    let store = how.store();
    if is_group(how, node) {
        return missing_from(&store, node, survey(how, &prefix_of(node)), true);
    }
    // The arrays of the nearest group above `node` are the likeliest meant.
    let mut parent = node.parent();
    while let Some(group) = parent.filter(|p| p.as_str() != "/") {
        if is_group(how, &group) {
            if let Survey::Found { arrays, more, .. } = survey(how, &prefix_of(&group)) {
                if !arrays.is_empty() {
                    let listed = listed(&arrays, more);
                    return format!(
                        "no array at {node} in {store} (the group {group} holds: {listed})"
                    );
                }
            }
            break;
        }
        parent = group.parent();
    }
    match survey(how, "") {
        Survey::Failed(e) => match how.failed(&e) {
            Some(hint) => format!("cannot open Zarr array {node} in {store}: {hint}"),
            None => missing_from(&store, node, Survey::Failed(e), false),
        },
        Survey::Unlistable if !has_root_metadata(how) => format!(
            "no array at {node} in {store}, and no Zarr metadata at the store's root \
             (zarr.json, .zgroup or .zarray): check the URL"
        ),
        found => missing_from(&store, node, found, false),
    }
}

/// Whether `node` is a group: a v3 `zarr.json` of node type `group`, or a
/// v2 `.zgroup`.
fn is_group(store: &dyn Browse, node: &NodePath) -> bool {
    kind_at(store, &prefix_of(node)) == Some(NodeKind::Group)
}

/// Whether the store's root has Zarr metadata.
fn has_root_metadata(store: &dyn Browse) -> bool {
    ["zarr.json", ".zgroup", ".zarray"]
        .into_iter()
        .any(|key| matches!(store.read(key), Ok(Some(_))))
}

/// The store prefix of everything below `node`: `""` for the root, `"a/b/"`.
fn prefix_of(node: &NodePath) -> String {
    match node.as_str().trim_matches('/') {
        "" => String::new(),
        p => format!("{p}/"),
    }
}

/// zarrs' "codec NAME is not supported", with the feature that reads the
/// codec, if any.
pub(crate) fn unsupported_codec(zarrs_message: &str) -> String {
    let name = zarrs_message
        .strip_prefix("codec ")
        .and_then(|m| m.strip_suffix(" is not supported"));
    let Some(name) = name else {
        return zarrs_message.to_string();
    };
    format!("codec {name} is not supported: {}", codec_hint(name))
}

/// Which feature reads the codec `name` (a Zarr v3 name or a numcodecs id).
pub(crate) fn codec_hint(name: &str) -> String {
    let bare = name.trim_start_matches("numcodecs.").to_ascii_lowercase();
    match bare.as_str() {
        "blosc" if !cfg!(feature = "blosc") => "build lazy-zarr with the feature `blosc` \
            (lazy-datasets' feature `zarr` turns it on)"
            .to_string(),
        "zstd" if !cfg!(feature = "zstd") => {
            "build lazy-zarr with the feature `zstd` (on by default)".to_string()
        }
        // Codecs zarrs reads with a feature lazy-zarr does not turn on.
        "bz2" | "zlib" | "pcodec" | "zfp" | "zfpy" | "gdeflate" | "bitround" | "fletcher32" => {
            let feature = if bare == "zfpy" { "zfp" } else { bare.as_str() };
            format!(
                "lazy-zarr builds zarrs without its feature `{feature}`; add zarrs (the version \
                 lazy-zarr uses) to your dependencies with `features = [\"{feature}\"]` and \
                 Cargo turns it on for lazy-zarr too"
            )
        }
        _ => "no feature of lazy-zarr (or of zarrs) reads it".to_string(),
    }
}

/// The files and directories right under a directory of a store.
#[derive(Debug, Default)]
pub(crate) struct Listing {
    /// File (object) names.
    pub(crate) files: Vec<String>,
    /// Directory (common prefix) names.
    pub(crate) dirs: Vec<String>,
}

/// A store that can be walked for [`survey`].
pub(crate) trait Browse {
    /// What is right under `prefix` (`""` or `"a/b/"`); `Ok(None)` when the
    /// store cannot be listed at all.
    fn list(&self, prefix: &str) -> std::result::Result<Option<Listing>, String>;

    /// The bytes at `key`, `None` when there is nothing.
    fn read(&self, key: &str) -> std::result::Result<Option<Vec<u8>>, String>;

    /// The most directories a survey looks into (each a listing and up to
    /// three reads).
    fn budget(&self) -> usize {
        SURVEY_DIRS
    }
}

/// What a short walk of a store found.
#[derive(Debug)]
pub(crate) enum Survey {
    /// The store cannot be listed (a web server).
    Unlistable,
    /// Listing failed, with the error's text.
    Failed(String),
    /// What was found: node paths of arrays and groups (the root group is
    /// `/`), whether there are more than shown, and whether the store's
    /// top level holds anything at all.
    Found {
        arrays: Vec<String>,
        groups: Vec<String>,
        more: bool,
        empty: bool,
    },
}

/// The most directories a survey of a filesystem store looks into, and
/// the most arrays it names.
const SURVEY_DIRS: usize = 32;
const SURVEY_ARRAYS: usize = 8;

/// Walks the store's groups from `under` (`""`: the root) breadth first
/// (not into arrays, whose directories hold chunks), at most
/// [`Browse::budget`] directories, and collects the first
/// [`SURVEY_ARRAYS`] arrays.
pub(crate) fn survey(store: &dyn Browse, under: &str) -> Survey {
    let mut queue = VecDeque::from([under.to_string()]);
    let (mut arrays, mut groups) = (Vec::new(), Vec::new());
    let (mut listed, mut more, mut empty) = (0, false, false);
    while let Some(prefix) = queue.pop_front() {
        if listed == store.budget() || arrays.len() > SURVEY_ARRAYS {
            more = true;
            break;
        }
        listed += 1;
        // An array's directory holds its chunks (maybe millions): it is
        // recognised by its metadata, never listed.
        let node = format!("/{}", prefix.trim_end_matches('/'));
        match kind_at(store, &prefix) {
            Some(NodeKind::Array) => {
                arrays.push(node);
                continue;
            }
            Some(NodeKind::Group) => groups.push(node),
            None => {}
        }
        let mut listing = match store.list(&prefix) {
            Ok(Some(l)) => l,
            Ok(None) => return Survey::Unlistable,
            Err(e) if prefix == under => return Survey::Failed(e),
            Err(_) => continue,
        };
        if prefix == under {
            empty = listing.files.is_empty() && listing.dirs.is_empty();
        }
        listing.dirs.sort();
        for dir in listing.dirs {
            if !dir.starts_with('.') {
                queue.push_back(format!("{prefix}{dir}/"));
            }
        }
    }
    more |= arrays.len() > SURVEY_ARRAYS;
    arrays.truncate(SURVEY_ARRAYS);
    Survey::Found {
        arrays,
        groups,
        more,
        empty,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NodeKind {
    Array,
    Group,
}

/// What the node at `prefix` is, by its metadata: a v2 `.zarray` or
/// `.zgroup`, or a v3 `zarr.json`; `None` for neither (or unreadable).
fn kind_at(store: &dyn Browse, prefix: &str) -> Option<NodeKind> {
    let has = |name: &str| matches!(store.read(&format!("{prefix}{name}")), Ok(Some(_)));
    if has(".zarray") {
        Some(NodeKind::Array)
    } else if let Some(kind) = node_kind(store, &format!("{prefix}zarr.json")) {
        Some(kind)
    } else if has(".zgroup") {
        Some(NodeKind::Group)
    } else {
        None
    }
}

/// The node type a Zarr v3 `zarr.json` at `key` declares.
fn node_kind(store: &dyn Browse, key: &str) -> Option<NodeKind> {
    let bytes = store.read(key).ok()??;
    let meta: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    match meta.get("node_type")?.as_str()? {
        "array" => Some(NodeKind::Array),
        "group" => Some(NodeKind::Group),
        _ => None,
    }
}

/// The message for `node` missing from the store named `store` (`group`:
/// `node` is a group), from what a survey of the store (of the group)
/// found.
pub(crate) fn missing_from(store: &str, node: &NodePath, survey: Survey, group: bool) -> String {
    let node = node.as_str();
    let (arrays, groups, more, empty) = match survey {
        Survey::Unlistable => {
            return format!(
                "no array at {node} in {store} (the store cannot be listed to show what it holds)"
            )
        }
        Survey::Failed(e) => {
            return format!("no array at {node} in {store} (listing the store failed: {e})")
        }
        Survey::Found {
            arrays,
            groups,
            more,
            empty,
        } => (arrays, groups, more, empty),
    };
    let listed = listed(&arrays, more);
    if group {
        return if arrays.is_empty() {
            format!("{node} in {store} is a group, not an array (it holds no arrays)")
        } else {
            format!("{node} in {store} is a group, not an array (it holds: {listed})")
        };
    }
    if arrays.is_empty() && groups.is_empty() {
        return if empty {
            format!("no Zarr store at {store}: it is empty")
        } else {
            format!(
                "no Zarr store at {store}: it holds no Zarr metadata (zarr.json, .zarray or .zgroup)"
            )
        };
    }
    if arrays.is_empty() {
        let groups = groups.join(", ");
        format!(
            "no array at {node} in {store} (the store holds no arrays, only the groups {groups})"
        )
    } else {
        format!("no array at {node} in {store} (the store holds: {listed})")
    }
}

/// Node paths for a message: `/a, /b` and `, …` when there are more.
fn listed(arrays: &[String], more: bool) -> String {
    format!("{}{}", arrays.join(", "), if more { ", …" } else { "" })
}

/// A filesystem store, for [`Explain`] and [`Browse`].
pub(crate) struct LocalStore<'a>(pub(crate) &'a Path);

impl Explain for LocalStore<'_> {
    fn store(&self) -> String {
        self.0.display().to_string()
    }

    fn absent(&self) -> Option<String> {
        let store = self.store();
        match std::fs::metadata(self.0) {
            Err(_) => Some(format!(
                "no Zarr store at {store}: there is no such directory"
            )),
            Ok(m) if !m.is_dir() => Some(format!("no Zarr store at {store}: it is a file")),
            Ok(_) => None,
        }
    }
}

impl Browse for LocalStore<'_> {
    fn list(&self, prefix: &str) -> std::result::Result<Option<Listing>, String> {
        let dir = self.0.join(prefix);
        let entries = std::fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let mut listing = Listing::default();
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            match entry.file_type() {
                Ok(t) if t.is_dir() => listing.dirs.push(name),
                Ok(_) => listing.files.push(name),
                Err(_) => {}
            }
        }
        Ok(Some(listing))
    }

    fn read(&self, key: &str) -> std::result::Result<Option<Vec<u8>>, String> {
        match std::fs::read(self.0.join(key)) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(p: &str) -> NodePath {
        NodePath::new(p).unwrap()
    }

    #[test]
    fn unsupported_codecs_name_the_feature_that_reads_them() {
        let blosc = unsupported_codec("codec blosc is not supported");
        if cfg!(feature = "blosc") {
            assert_eq!(
                blosc,
                "codec blosc is not supported: no feature of lazy-zarr (or of zarrs) reads it"
            );
        } else {
            assert_eq!(
                blosc,
                "codec blosc is not supported: build lazy-zarr with the feature `blosc` \
                 (lazy-datasets' feature `zarr` turns it on)"
            );
        }
        assert_eq!(
            unsupported_codec("codec numcodecs.zlib is not supported"),
            "codec numcodecs.zlib is not supported: lazy-zarr builds zarrs without its feature \
             `zlib`; add zarrs (the version lazy-zarr uses) to your dependencies with \
             `features = [\"zlib\"]` and Cargo turns it on for lazy-zarr too"
        );
        assert_eq!(
            unsupported_codec("codec frobnicate is not supported"),
            "codec frobnicate is not supported: no feature of lazy-zarr (or of zarrs) reads it"
        );
        // Anything else zarrs says is kept as it is.
        assert_eq!(unsupported_codec("something else"), "something else");
    }

    /// A store of files given by their keys, for surveys without a
    /// filesystem; `false`: it cannot be listed (a web server).
    struct Keys(Vec<(String, String)>, bool);

    fn keys(files: &[(&str, &str)], listable: bool) -> Keys {
        let owned = files.iter().map(|(k, v)| (k.to_string(), v.to_string()));
        Keys(owned.collect(), listable)
    }

    impl Explain for Keys {
        fn store(&self) -> String {
            "s.zarr".to_string()
        }
    }

    impl Browse for Keys {
        fn list(&self, prefix: &str) -> std::result::Result<Option<Listing>, String> {
            if !self.1 {
                return Ok(None);
            }
            let mut listing = Listing::default();
            for (key, _) in &self.0 {
                let Some(rest) = key.strip_prefix(prefix) else {
                    continue;
                };
                match rest.split_once('/') {
                    Some((dir, _)) if !listing.dirs.iter().any(|d| d == dir) => {
                        listing.dirs.push(dir.to_string())
                    }
                    Some(_) => {}
                    None => listing.files.push(rest.to_string()),
                }
            }
            Ok(Some(listing))
        }

        fn read(&self, key: &str) -> std::result::Result<Option<Vec<u8>>, String> {
            Ok(self
                .0
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.as_bytes().to_vec()))
        }
    }

    const GROUP: &str = r#"{"zarr_format": 3, "node_type": "group"}"#;
    const ARRAY: &str = r#"{"zarr_format": 3, "node_type": "array"}"#;

    #[test]
    fn surveys_name_arrays_and_groups() {
        let store = keys(
            &[
                ("zarr.json", GROUP),
                ("b/zarr.json", ARRAY),
                ("b/c/0", ""),
                ("a/.zarray", "{}"),
                ("a/0.0", ""),
                ("g/zarr.json", GROUP),
                ("g/x/zarr.json", ARRAY),
                ("g/v2/.zgroup", "{}"),
                ("implicit/y/.zarray", "{}"),
                (".hidden/z/.zarray", "{}"),
            ],
            true,
        );
        assert_eq!(
            missing(&store, &node("/nothing")),
            "no array at /nothing in s.zarr (the store holds: /a, /b, /g/x, /implicit/y)"
        );
        assert_eq!(
            missing(&store, &node("/g")),
            "/g in s.zarr is a group, not an array (it holds: /g/x)"
        );
        assert_eq!(
            missing(&store, &node("/g/v2")),
            "/g/v2 in s.zarr is a group, not an array (it holds no arrays)"
        );
        // Under a group: its arrays are listed; under one without arrays,
        // the store's.
        assert_eq!(
            missing(&store, &node("/g/y/z")),
            "no array at /g/y/z in s.zarr (the group /g holds: /g/x)"
        );
        assert_eq!(
            missing(&store, &node("/g/v2/z")),
            "no array at /g/v2/z in s.zarr (the store holds: /a, /b, /g/x, /implicit/y)"
        );

        let only_groups = keys(&[("zarr.json", GROUP), ("g/.zgroup", "{}")], true);
        assert_eq!(
            missing(&only_groups, &node("/x")),
            "no array at /x in s.zarr (the store holds no arrays, only the groups /, /g)"
        );
        assert_eq!(
            missing(&keys(&[], true), &node("/x")),
            "no Zarr store at s.zarr: it is empty"
        );
        assert_eq!(
            missing(&keys(&[("notes.txt", "")], true), &node("/x")),
            "no Zarr store at s.zarr: it holds no Zarr metadata (zarr.json, .zarray or .zgroup)"
        );
        // Stores that cannot be listed (web servers): the root's metadata
        // tells a wrong path from a wrong URL.
        assert_eq!(
            missing(&keys(&[("zarr.json", GROUP)], false), &node("/x")),
            "no array at /x in s.zarr (the store cannot be listed to show what it holds)"
        );
        assert_eq!(
            missing(&keys(&[], false), &node("/x")),
            "no array at /x in s.zarr, and no Zarr metadata at the store's root \
             (zarr.json, .zgroup or .zarray): check the URL"
        );
    }

    #[test]
    fn surveys_show_a_few_arrays_and_stop() {
        let names: Vec<(String, String)> = (0..40)
            .map(|k| (format!("a{k:02}/.zarray"), "{}".to_string()))
            .collect();
        assert_eq!(
            missing(&Keys(names, true), &node("/x")),
            "no array at /x in s.zarr (the store holds: /a00, /a01, /a02, /a03, /a04, /a05, \
             /a06, /a07, …)"
        );
    }
}
