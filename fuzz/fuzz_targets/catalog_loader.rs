//! The catalog loader on any UTF-8 text: `load_catalog` never panics, a
//! refusal names at least one problem, and a catalog it accepts
//! - compiles into an [`Engine`] that can evaluate a fresh state;
//! - survives the round trip through its JSON exactly: the compact form the
//!   server stores in SQLite (`serde_json::to_string`, read back by
//!   `load_catalog` in `server/src/store/catalog.rs`) and the pretty form of
//!   `Catalog::to_json_pretty` (which `ValidCatalog::try_from` validates)
//!   both load again, to an equal catalog with the same warnings;
//! - has a public view (secrets masked, what clients are sent) that is
//!   itself a catalog that loads.

#![no_main]

use achievements_core::{Engine, Instant, TimeZone, ValidCatalog, load_catalog};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let loaded = match load_catalog(text) {
        Ok(loaded) => loaded,
        Err(invalid) => {
            assert!(!invalid.errors.is_empty(), "refused without a reason: {text:?}");
            let _ = invalid.report();
            return;
        }
    };
    let catalog = loaded.catalog;

    for json in [serde_json::to_string(&*catalog).expect("a catalog serializes"), catalog.to_json_pretty()] {
        let again =
            load_catalog(&json).unwrap_or_else(|e| panic!("its own JSON does not load:\n{}\n{json}", e.report()));
        assert_eq!(again.catalog, catalog, "the round trip changed the catalog:\n{json}");
        assert_eq!(again.warnings, loaded.warnings, "the round trip changed the warnings:\n{json}");
    }
    let checked = ValidCatalog::try_from(catalog.clone().into_catalog()).expect("a valid catalog validates again");
    assert_eq!(checked, catalog);

    let public = catalog.public_view().catalog;
    let public_json = serde_json::to_string(&public).expect("a public view serializes");
    if let Err(e) = load_catalog(&public_json) {
        panic!("the public view does not load:\n{}\n{public_json}", e.report());
    }

    let engine = Engine::new(catalog);
    let mut state = engine.new_state(TimeZone::utc());
    let now = Instant::from_unix(1_767_225_600, 0).expect("2026-01-01 is an instant");
    let _ = engine.evaluate(&mut state, now);
    let _ = engine.progress_all(&state, now);
    let snapshot = engine.snapshot(&state);
    let back = engine.state_from_snapshot(&snapshot).expect("its own snapshot loads");
    assert_eq!(engine.snapshot(&back), snapshot);
});
