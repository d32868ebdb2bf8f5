//! What needs no engine: catalog validation and the category list.

use crate::convert::{self, ValidationView};
use achievements_core::{Loaded, load_catalog};
use wasm_bindgen::prelude::*;

/// Validates a catalog (JSON text or an object) without throwing for an
/// invalid one: `{valid, errors, warnings}`, each problem located by a JSON
/// path, exactly as `achievements rules validate` reports it.
#[wasm_bindgen(js_name = validateCatalog, unchecked_return_type = "ValidationResult")]
pub fn validate_catalog(
    #[wasm_bindgen(unchecked_param_type = "string | CatalogFile")] catalog: JsValue,
) -> Result<JsValue, JsValue> {
    let text = convert::catalog_text(&catalog)?;
    match load_catalog(&text) {
        Ok(Loaded { warnings, .. }) => {
            convert::to_js(&ValidationView { valid: true, errors: &[], warnings: &warnings })
        }
        Err(invalid) => {
            convert::to_js(&ValidationView { valid: false, errors: &invalid.errors, warnings: &invalid.warnings })
        }
    }
}

/// Every category, in display order, with its title.
#[wasm_bindgen(unchecked_return_type = "CategoryInfo[]")]
pub fn categories() -> Result<JsValue, JsValue> {
    convert::to_js(&convert::categories())
}
