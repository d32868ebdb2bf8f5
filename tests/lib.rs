//! Cross-crate tests live in `tests/`: stories that run the same rules
//! through more than one part of the system (core, server, clients). This
//! library is empty; see the test files.
