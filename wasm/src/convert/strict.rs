//! [`read`]: an argument object into its serde derive, through
//! `serde_wasm_bindgen::Deserializer`, with what a JS caller is owed and
//! serde-wasm-bindgen does not give. A thin layer, [`Strict`], sits between
//! the deserializer and the derive:
//!
//! - every message names its path (`state.earned.first_login.cause: …`),
//!   built on the way out of an error, so a good argument pays nothing;
//! - messages in the API's words (`expected an integer, got a string`), not
//!   serde's (`invalid type: string "3", expected i64`);
//! - a struct's unknown fields are refused: serde-wasm-bindgen reads a
//!   struct by looking up its known names, so it would never see a typo.
//!   Here the object's names are checked first, in one call
//!   (`unknownKey` in `js/interop.js`, given the derive's own field list).
//!
//! A value is read by the deserializer's own method for its type; a map
//! with `deserialize_any`, so that an array given for one is refused in the
//! target's words. A struct is taken as its `JsValue`
//! (`serde_wasm_bindgen::preserve`), checked to be an object with known
//! names only, then read by serde-wasm-bindgen's `deserialize_struct`, which
//! looks its fields up by name: the fewest calls across the boundary. The
//! layer is generic, so each of its pieces is code for every type read:
//! ARCHITECTURE.md ("Keeping the WebAssembly module small") and
//! BENCHMARKS.md say what each choice costs.

use crate::error::ApiError;
use serde::de::{self, DeserializeOwned, DeserializeSeed, Deserializer, Visitor};
use serde::forward_to_deserialize_any;
use std::cell::{Cell, RefCell};
use std::fmt;
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};

#[wasm_bindgen(module = "/js/interop.js")]
extern "C" {
    /// The first own name of `object` that is not one of `names`
    /// (comma-separated), if any.
    #[wasm_bindgen(js_name = unknownKey)]
    fn unknown_key(object: &JsValue, names: &str) -> Option<String>;
}

/// An argument object `what` as `T`, or an `InputError` naming the path.
pub(super) fn read<T: DeserializeOwned>(what: &str, value: &JsValue) -> Result<T, ApiError> {
    if !value.is_object() || js_sys::Array::is_array(value) {
        return Err(ApiError::input(what, "expected an object"));
    }
    let context = Context::default();
    let strict = Strict { inner: serde_wasm_bindgen::Deserializer::from(value.clone()), context: &context, key: false };
    T::deserialize(strict).map_err(|error| ApiError::input(&context.path(what), reword(&message(error))))
}

/// What a value is, for a message: `a boolean`, `an array`, ….
fn kind(value: &JsValue) -> &'static str {
    if value.is_null() || value.is_undefined() {
        "null"
    } else if value.as_bool().is_some() {
        "a boolean"
    } else if value.as_f64().is_some() || value.is_bigint() {
        "a number"
    } else if value.is_string() {
        "a string"
    } else if js_sys::Array::is_array(value) {
        "an array"
    } else {
        "another kind of value"
    }
}

/// The text of a serde-wasm-bindgen error (a JS `Error`).
fn message(error: serde_wasm_bindgen::Error) -> String {
    let error = JsValue::from(error);
    match error.dyn_ref::<js_sys::Error>() {
        Some(error) => error.message().into(),
        None => error.as_string().unwrap_or_default(),
    }
}

/// Where a read is, for its error: filled as an error passes out through
/// each layer, so a good argument pays nothing.
#[derive(Default)]
struct Context {
    /// Innermost first.
    path: RefCell<Vec<Segment>>,
    /// The last map key read (a buffer reused for every key), and whether
    /// the last key read was text.
    key: RefCell<String>,
    has_key: Cell<bool>,
}

enum Segment {
    Key(String),
    Index(usize),
}

impl Context {
    fn path(&self, what: &str) -> String {
        let mut path = what.to_owned();
        for segment in self.path.borrow().iter().rev() {
            match segment {
                Segment::Key(key) => {
                    path.push('.');
                    path.push_str(key);
                }
                Segment::Index(i) => path.push_str(&format!("[{i}]")),
            }
        }
        path
    }

    fn within<E>(&self, segment: Segment, error: E) -> E {
        self.path.borrow_mut().push(segment);
        error
    }
}

/// serde's fixed wording of a mistake (serde-wasm-bindgen words errors so)
/// in the API's: `invalid type: string "3", expected an integer` becomes
/// `expected an integer, got a string`; messages of our own pass unchanged.
fn reword(message: &str) -> String {
    let (Some((head, expected)), Some(kind)) = (split_expected(message), message.split([' ', ':']).nth(1)) else {
        return message.to_owned();
    };
    match kind {
        "type" => {
            let found = head.trim_start_matches("invalid type: ");
            let got = match found.split([' ', '`']).next() {
                Some("boolean") => "a boolean",
                Some("integer" | "floating") => "a number",
                Some("string" | "character") => "a string",
                Some("unit" | "null") => "null",
                Some("sequence") => "an array",
                Some("map") => "an object",
                // serde-wasm-bindgen shows other values by their `Debug`.
                _ if found.starts_with("JsValue([") => "an array",
                _ if found.starts_with("JsValue(") => "an object",
                _ => "another kind of value",
            };
            format!("expected {expected}, got {got}")
        }
        "length" => format!("expected {expected}, got {} items", head.trim_start_matches("invalid length ")),
        "field" => {
            let names = expected.trim_start_matches("one of ").replace('`', "");
            format!("{head} (expected one of: {names})")
        }
        _ => message.to_owned(),
    }
}

/// `(head, expected)` of serde's `<head>, expected <expected>`.
fn split_expected(message: &str) -> Option<(&str, &str)> {
    const SEPARATOR: &[u8] = b", expected ";
    let at = message.as_bytes().windows(SEPARATOR.len()).rposition(|w| w == SEPARATOR)?;
    Some((message.get(..at)?, message.get(at + SEPARATOR.len()..)?))
}

/// The deserializer the derived shapes see (see the module docs).
struct Strict<'c, D> {
    inner: D,
    context: &'c Context,
    /// Whether this value is a map key (remembered for the path).
    key: bool,
}

impl<'c, D> Strict<'c, D> {
    fn visit<V>(&self, visitor: V) -> Visit<'c, V> {
        Visit { visitor, context: self.context, key: self.key }
    }
}

/// The inner deserializer's own method: what it reads needs no more than
/// its type checked.
macro_rules! forward_specific {
    ($($method:ident),*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
            let visit = self.visit(visitor);
            self.inner.$method(visit)
        }
    )*};
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for Strict<'_, D> {
    type Error = D::Error;

    /// Objects (maps, structs) are read as their entries, so a struct sees
    /// every name and an array is refused in the target's words.
    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        let visit = self.visit(visitor);
        self.inner.deserialize_any(visit)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        let object: JsValue = serde_wasm_bindgen::preserve::deserialize(self.inner)?;
        if !object.is_object() || js_sys::Array::is_array(&object) {
            return Err(de::Error::custom(format_args!("expected an object, got {}", kind(&object))));
        }
        if let Some(unknown) = unknown_key(&object, &fields.join(",")) {
            return Err(de::Error::unknown_field(&unknown, fields));
        }
        let visit = Visit { visitor, context: self.context, key: false };
        serde_wasm_bindgen::Deserializer::from(object)
            .deserialize_struct(name, fields, visit)
            .map_err(|e| de::Error::custom(message(e)))
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.deserialize_any(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, length: usize, visitor: V) -> Result<V::Value, D::Error> {
        let visit = self.visit(visitor);
        self.inner.deserialize_tuple(length, visit)
    }

    forward_specific!(
        deserialize_bool,
        deserialize_i32,
        deserialize_i64,
        deserialize_u32,
        deserialize_u64,
        deserialize_str,
        deserialize_string,
        deserialize_identifier,
        deserialize_seq,
        deserialize_option,
        deserialize_ignored_any
    );

    forward_to_deserialize_any! {
        i8 i16 i128 u8 u16 u128 f32 f64 char bytes byte_buf unit unit_struct tuple_struct enum
    }
}

/// The target's visitor, handed [`Strict`] layers for whatever it reads next.
struct Visit<'c, V> {
    visitor: V,
    context: &'c Context,
    key: bool,
}

impl<V> Visit<'_, V> {
    fn remember(&self, text: &str) {
        if self.key {
            let mut key = self.context.key.borrow_mut();
            key.clear();
            key.push_str(text);
            self.context.has_key.set(true);
        }
    }
}

/// A value the target's visitor takes as it is.
macro_rules! forward_visit {
    ($($method:ident($ty:ty)),*) => {$(
        fn $method<E: de::Error>(self, value: $ty) -> Result<V::Value, E> {
            self.visitor.$method(value)
        }
    )*};
}

impl<'de, V: Visitor<'de>> Visitor<'de> for Visit<'_, V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.visitor.expecting(f)
    }

    forward_visit!(visit_bool(bool), visit_i64(i64), visit_u64(u64), visit_f64(f64));

    fn visit_str<E: de::Error>(self, value: &str) -> Result<V::Value, E> {
        self.remember(value);
        self.visitor.visit_str(value)
    }

    fn visit_string<E: de::Error>(self, value: String) -> Result<V::Value, E> {
        self.remember(&value);
        self.visitor.visit_string(value)
    }

    fn visit_unit<E: de::Error>(self) -> Result<V::Value, E> {
        self.visitor.visit_unit()
    }

    fn visit_none<E: de::Error>(self) -> Result<V::Value, E> {
        self.visitor.visit_none()
    }

    fn visit_some<D: Deserializer<'de>>(self, inner: D) -> Result<V::Value, D::Error> {
        self.visitor.visit_some(Strict { inner, context: self.context, key: false })
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, inner: D) -> Result<V::Value, D::Error> {
        self.visitor.visit_newtype_struct(Strict { inner, context: self.context, key: false })
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, inner: A) -> Result<V::Value, A::Error> {
        self.visitor.visit_seq(StrictSeq { inner, context: self.context, index: 0 })
    }

    fn visit_map<A: de::MapAccess<'de>>(self, inner: A) -> Result<V::Value, A::Error> {
        self.visitor.visit_map(StrictMap { inner, context: self.context, key: String::new() })
    }
}

/// An array's items, each adding its index to a path.
struct StrictSeq<'c, A> {
    inner: A,
    context: &'c Context,
    index: usize,
}

impl<'de, A: de::SeqAccess<'de>> de::SeqAccess<'de> for StrictSeq<'_, A> {
    type Error = A::Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, A::Error> {
        let seed = Seed { seed, context: self.context, key: false };
        let item =
            self.inner.next_element_seed(seed).map_err(|e| self.context.within(Segment::Index(self.index), e))?;
        self.index += 1;
        Ok(item)
    }

    fn size_hint(&self) -> Option<usize> {
        self.inner.size_hint()
    }
}

/// An object's entries (a struct's known fields, or a map's entries), each
/// adding its key to a path.
struct StrictMap<'c, A> {
    inner: A,
    context: &'c Context,
    /// The current entry's key, for a path.
    key: String,
}

impl<'de, A: de::MapAccess<'de>> de::MapAccess<'de> for StrictMap<'_, A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, A::Error> {
        self.context.has_key.set(false);
        let key = self.inner.next_key_seed(Seed { seed, context: self.context, key: true })?;
        self.key.clear();
        if self.context.has_key.get() {
            self.key.push_str(&self.context.key.borrow());
        }
        Ok(key)
    }

    fn next_value_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<T::Value, A::Error> {
        let seed = Seed { seed, context: self.context, key: false };
        self.inner.next_value_seed(seed).map_err(|e| self.context.within(Segment::Key(self.key.clone()), e))
    }

    fn size_hint(&self) -> Option<usize> {
        self.inner.size_hint()
    }
}

/// What a map or array hands the inner deserializer for its next item.
struct Seed<'c, S> {
    seed: S,
    context: &'c Context,
    key: bool,
}

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for Seed<'_, S> {
    type Value = S::Value;

    fn deserialize<D: Deserializer<'de>>(self, inner: D) -> Result<S::Value, D::Error> {
        self.seed.deserialize(Strict { inner, context: self.context, key: self.key })
    }
}
