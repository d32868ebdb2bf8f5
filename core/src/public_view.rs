//! The catalog a client may see: secret definitions become opaque
//! placeholders (no key, name, description, icon or criteria).
//!
//! A placeholder never unlocks client-side, but definitions that require a
//! secret still validate against it, so the WASM module and the terminal app
//! load the public catalog with the same loader as the full one.

use crate::model::{Catalog, Placeholder};
use std::collections::BTreeMap;

/// A public catalog and, for the server only, which placeholder stands for
/// which secret key (to translate a user's earned secrets).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicView {
    pub catalog: Catalog,
    /// Secret key → placeholder id. Never send this to a client.
    pub placeholder_of: BTreeMap<String, String>,
}

impl Catalog {
    /// The catalog with every secret definition replaced by a placeholder
    /// `secret-N` (numbered in catalog order) and references rewritten.
    pub fn public_view(&self) -> PublicView {
        let mut placeholder_of = BTreeMap::new();
        let mut placeholders = self.secret_placeholders.clone();
        let mut n = placeholders.len();
        for def in self.achievements.iter().filter(|d| d.is_secret) {
            let id = loop {
                n += 1;
                let candidate = format!("secret-{n}");
                if !placeholders.iter().any(|p| p.id == candidate) {
                    break candidate;
                }
            };
            placeholders.push(Placeholder { id: id.clone(), category: def.category });
            placeholder_of.insert(def.key.clone(), id);
        }
        let achievements = self
            .achievements
            .iter()
            .filter(|d| !d.is_secret)
            .map(|d| {
                let mut d = d.clone();
                for key in &mut d.requires_achievements {
                    if let Some(id) = placeholder_of.get(key.as_str()) {
                        key.clone_from(id);
                    }
                }
                d
            })
            .collect();
        PublicView {
            catalog: Catalog {
                version: self.version,
                points_field: self.points_field.clone(),
                events: self.events.clone(),
                achievements,
                secret_placeholders: placeholders,
            },
            placeholder_of,
        }
    }
}
