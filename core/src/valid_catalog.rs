//! [`ValidCatalog`]: a catalog known to be valid, the only kind an
//! [`crate::Engine`] is built from.
//!
//! The engine compiles field names into numbers once. On a catalog that
//! was never validated, a name could have no number, or a streak effect
//! could point at a field that is not a streak; the engine would then run
//! its rules on the wrong field. Checking that with a `debug_assert!`
//! protected debug builds only; a type protects every build, so the check
//! lives here and `Engine::new` takes this type.

use crate::diagnostic::{Diagnostics, InvalidFile};
use crate::load::{check_retired, load_catalog};
use crate::model::{Catalog, Definition};
use std::ops::Deref;

/// A [`Catalog`] that passed validation, optionally followed by retired
/// definitions (inactive, see [`ValidCatalog::with_retired`]).
///
/// Made only by [`crate::load_catalog`] (catalog files),
/// [`ValidCatalog::try_from`] (catalogs built or changed in code, checked
/// exactly as their file form would be) and [`ValidCatalog::with_retired`].
/// It reads as a `&Catalog`; to change one, take the catalog out with
/// [`ValidCatalog::into_catalog`] and validate the result again.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidCatalog(Catalog);

impl ValidCatalog {
    /// Wraps a catalog the loader has just validated.
    pub(crate) fn validated(catalog: Catalog) -> Self {
        ValidCatalog(catalog)
    }

    /// The catalog, to change it (it must then be validated again to run).
    pub fn into_catalog(self) -> Catalog {
        self.0
    }

    /// This catalog plus every definition of `previous` whose key it does
    /// not have, marked inactive: definitions removed from a catalog file
    /// stay known (earned badges keep their names) but never unlock again.
    ///
    /// Retired definitions are exempt from the cross-reference checks (the
    /// fields and achievements they name may be gone: the engine keeps
    /// their fields and treats unknown prerequisites as never met), but not
    /// from the checks on their own values.
    ///
    /// # Errors
    /// [`InvalidFile`] naming each retired definition that is damaged (an
    /// invalid key, an empty name, a target below 1, …), located as
    /// `retired[i] (key).field`.
    pub fn with_retired(self, previous: impl IntoIterator<Item = Definition>) -> Result<Self, InvalidFile> {
        let mut catalog = self.0;
        let mut diags = Diagnostics::default();
        for (i, mut def) in previous.into_iter().enumerate() {
            if catalog.definition(&def.key).is_some() {
                continue;
            }
            let path = format!("retired[{i}] ({})", def.key);
            if check_retired(&path, &def, &mut diags) {
                def.is_active = false;
                catalog.achievements.push(def);
            }
        }
        if diags.errors.is_empty() {
            Ok(ValidCatalog(catalog))
        } else {
            Err(InvalidFile { errors: diags.errors, warnings: diags.warnings })
        }
    }
}

impl TryFrom<Catalog> for ValidCatalog {
    type Error = InvalidFile;

    /// Validates a catalog built in code by its file form: a catalog is
    /// valid exactly when the JSON it writes loads, so there is one set of
    /// rules, with the same located messages.
    fn try_from(catalog: Catalog) -> Result<Self, InvalidFile> {
        load_catalog(&catalog.to_json_pretty()).map(|loaded| loaded.catalog)
    }
}

impl Deref for ValidCatalog {
    type Target = Catalog;

    fn deref(&self) -> &Catalog {
        &self.0
    }
}

impl AsRef<Catalog> for ValidCatalog {
    fn as_ref(&self) -> &Catalog {
        &self.0
    }
}
