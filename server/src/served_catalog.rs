//! [`ServedCatalog`]: the catalog a running server answers from, built once
//! at start-up: the core's [`Engine`] over the effective catalog (the file's
//! definitions plus retired ones), the public view clients may download, and
//! the lookups the routes need.

use crate::views::render_static;
use achievements_core::{Catalog, Category, Definition, Engine, ValidCatalog};
use axum::body::Bytes;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// Everything derived from the catalog that the routes read.
#[derive(Debug)]
pub(crate) struct ServedCatalog {
    engine: Arc<Engine>,
    /// Secret key → public placeholder id (never sent as such).
    placeholder_of: BTreeMap<String, String>,
    /// Definition index by key.
    index_of: HashMap<String, usize>,
    /// Definition indexes in display order: category, `order`, catalog order.
    display_order: Vec<usize>,
    /// Each definition's caller-independent JSON, rendered once.
    static_json: Vec<Box<str>>,
    public_json: Bytes,
    etag: String,
}

impl ServedCatalog {
    /// `file` is the catalog as loaded from its file; `effective` is it plus
    /// the retired definitions kept in the database.
    ///
    /// # Panics
    /// Never for a catalog that passed validation (the public view of a
    /// valid catalog always serializes).
    pub(crate) fn new(file: &Catalog, effective: ValidCatalog) -> Self {
        // Clients load the public view with the core's loader, so it is built
        // from the file's catalog (always valid). Secret placeholders are
        // numbered in catalog order and retired definitions come last, so the
        // effective catalog numbers the file's secrets the same way.
        let public = file.public_view();
        let public_json = Bytes::from(serde_json::to_vec(&public.catalog).expect("a catalog serializes to JSON"));
        let digest = Sha256::digest(&public_json);
        let etag = format!("\"{}\"", digest.iter().take(16).map(|b| format!("{b:02x}")).collect::<String>());
        let placeholder_of = effective.public_view().placeholder_of;

        let engine = Arc::new(Engine::new(effective));
        let defs = &engine.catalog().achievements;
        let index_of = defs.iter().enumerate().map(|(i, d)| (d.key.clone(), i)).collect();
        let mut display_order: Vec<usize> = (0..defs.len()).collect();
        display_order.sort_by_key(|&i| (category_rank(defs[i].category), defs[i].order, i));
        let static_json = defs.iter().map(render_static).collect();
        ServedCatalog { engine, placeholder_of, index_of, display_order, static_json, public_json, etag }
    }

    pub(crate) fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The engine, to hand to a storage call that outlives this borrow.
    pub(crate) fn shared_engine(&self) -> Arc<Engine> {
        Arc::clone(&self.engine)
    }

    /// Every definition (retired ones included), in catalog order.
    pub(crate) fn definitions(&self) -> &[Definition] {
        &self.engine.catalog().achievements
    }

    /// The index of the definition with this key.
    pub(crate) fn index(&self, key: &str) -> Option<usize> {
        self.index_of.get(key).copied()
    }

    /// Definition indexes in display order.
    pub(crate) fn display_order(&self) -> &[usize] {
        &self.display_order
    }

    /// The static fields of the definition at `index` as an open JSON object
    /// (see [`crate::views::render_static`]).
    pub(crate) fn static_json(&self, index: usize) -> &str {
        &self.static_json[index]
    }

    /// The public placeholder id standing for a secret key.
    pub(crate) fn placeholder_of(&self, secret_key: &str) -> Option<&str> {
        self.placeholder_of.get(secret_key).map(String::as_str)
    }

    /// The public catalog JSON (secrets masked), as served.
    pub(crate) fn public_json(&self) -> &Bytes {
        &self.public_json
    }

    /// A strong ETag of [`Self::public_json`], quoted.
    pub(crate) fn etag(&self) -> &str {
        &self.etag
    }
}

fn category_rank(category: Category) -> usize {
    Category::ALL.iter().position(|c| *c == category).unwrap_or(usize::MAX)
}
