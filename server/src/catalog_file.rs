//! Where a catalog comes from: a file given on the command line, or the
//! shipped one embedded in the binary. Reading and validating only; the
//! rules are the core's.

use crate::file_read::{ReadFileError, read_text_file};
use achievements_core::{InvalidFile, Loaded, SHIPPED_CATALOG_JSON, load_catalog};
use std::path::PathBuf;

/// A catalog to load.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CatalogSource {
    /// `fixtures/achievements.json`, embedded at build time.
    Shipped,
    File(PathBuf),
}

impl CatalogSource {
    /// `--catalog FILE` if given, else the shipped catalog.
    pub(crate) fn from_arg(path: Option<PathBuf>) -> Self {
        path.map_or(CatalogSource::Shipped, CatalogSource::File)
    }

    /// How to name it in messages.
    pub(crate) fn name(&self) -> String {
        match self {
            CatalogSource::Shipped => "the shipped catalog".to_owned(),
            CatalogSource::File(path) => path.display().to_string(),
        }
    }

    /// Reads and validates it.
    ///
    /// # Errors
    /// [`CatalogError`]: unreadable, or every validation problem found.
    pub(crate) fn load(&self) -> Result<Loaded, CatalogError> {
        let text = match self {
            CatalogSource::Shipped => SHIPPED_CATALOG_JSON.to_owned(),
            CatalogSource::File(path) => read_text_file(path)?,
        };
        load_catalog(&text).map_err(|invalid| CatalogError::Invalid { name: self.name(), invalid })
    }
}

/// A catalog that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error(transparent)]
    Read(#[from] ReadFileError),
    #[error("invalid catalog {name} ({} error(s)); `achievements rules validate FILE` lists them:\n{}", .invalid.errors.len(), .invalid.report().trim_end())]
    Invalid { name: String, invalid: InvalidFile },
}
