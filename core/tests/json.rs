//! `json::parse` against serde_json: the same errors (message, line and
//! column) for broken documents, the same tree for valid ones.
//!
//! Deliberate differences, not exercised here: the exact boundary at which a
//! number is "out of range" (exact rounding here; serde_json's default parser
//! rounds twice, so it may disagree within about one unit in the last place of
//! `f64::MAX`), and `-0` and integers beyond u64, integers here, floats in
//! serde_json.

use achievements_core::json::{Json, Number, SyntaxError, parse};
use proptest::prelude::*;
use serde_json::Value;
use std::borrow::Cow;
use std::collections::BTreeMap;

/// serde_json's error as a `SyntaxError`, its Display stripped of the location.
fn serde_error(text: &str) -> Option<SyntaxError> {
    let e = serde_json::from_str::<Value>(text).err()?;
    let full = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    let message = full.strip_suffix(&suffix).expect("serde_json's message ends with its location");
    let message: &'static str = Box::leak(message.to_owned().into_boxed_str());
    Some(SyntaxError { line: e.line(), column: e.column(), message })
}

/// Whether our tree is serde_json's value. `exact` compares floats bit for bit
/// (for values serde_json serialized: its output round-trips exactly); otherwise
/// within a few units in the last place, as serde_json's default float parser
/// is not always correctly rounded.
fn same(ours: &Json<'_>, theirs: &Value, exact: bool) -> bool {
    match (ours, theirs) {
        (Json::Null, Value::Null) => true,
        (Json::Bool(a), Value::Bool(b)) => a == b,
        (Json::Number(n), Value::Number(m)) => same_number(*n, m, exact),
        (Json::String(a), Value::String(b)) => a == b,
        (Json::Array(a), Value::Array(b)) => a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same(x, y, exact)),
        (Json::Object(fields), Value::Object(map)) => {
            let last_wins: BTreeMap<&str, &Json<'_>> = fields.iter().map(|(k, v)| (k.as_ref(), v)).collect();
            last_wins.len() == map.len()
                && last_wins.iter().zip(map).all(|((k, v), (mk, mv))| k == mk && same(v, mv, exact))
                && last_wins.iter().all(|(k, v)| ours.get(k).is_some_and(|o| std::ptr::eq(o, *v)))
        }
        _ => false,
    }
}

fn same_number(n: Number<'_>, m: &serde_json::Number, exact: bool) -> bool {
    if let Some(i) = m.as_i64() {
        n.is_integer() && n.as_i64() == Some(i)
    } else if let Some(u) = m.as_u64() {
        n.is_integer() && n.as_i64().is_none() && n.text().parse::<u64>() == Ok(u)
    } else {
        let theirs = m.as_f64().expect("a float");
        let ours: f64 = n.text().parse().expect("our number text is a valid float");
        if exact {
            ours.to_bits() == theirs.to_bits()
        } else {
            ours == theirs || (ours - theirs).abs() <= 1e-14 * ours.abs().max(theirs.abs()) || ours.abs() < 1e-300
        }
    }
}

/// Strings serde_json writes without escapes must come back borrowed, and
/// only those.
fn borrowed_exactly_when_unescaped(value: &Json<'_>) -> bool {
    let ok = |s: &Cow<'_, str>| {
        let needs_escape = s.chars().any(|c| c == '"' || c == '\\' || c < ' ');
        matches!(s, Cow::Borrowed(_)) != needs_escape
    };
    match value {
        Json::String(s) => ok(s),
        Json::Array(items) => items.iter().all(borrowed_exactly_when_unescaped),
        Json::Object(fields) => fields.iter().all(|(k, v)| ok(k) && borrowed_exactly_when_unescaped(v)),
        _ => true,
    }
}

/// Both parsers agree: the same error, or equal trees.
fn agree(text: &str) -> Result<(), String> {
    match (parse(text), serde_error(text)) {
        (Err(ours), Some(theirs)) if ours == theirs => Ok(()),
        (Ok(ours), None) => {
            let theirs: Value = serde_json::from_str(text).expect("serde_json accepted it");
            if same(&ours, &theirs, false) { Ok(()) } else { Err(format!("{text:?}: {ours:?} != {theirs:?}")) }
        }
        (ours, theirs) => Err(format!("{text:?}: ours {ours:?}, serde_json {theirs:?}")),
    }
}

fn broken_documents() -> Vec<String> {
    let catalog = "{\n  \"version\": 1,\n  \"achievements\": [\n    {\"key\": \"first\", \"points\": 10},\n";
    let mut docs: Vec<String> = [
        // EOF while parsing …
        "",
        "   \n  ",
        "[",
        "[1,",
        "[1,\n",
        "[\n\t1,\r\n\t2\r\n",
        "{",
        "{\"a\"",
        "{\"a\":",
        "{\"a\":1",
        "{\"a\":1,\n",
        "\"abc",
        "\"ab\\",
        "\"\\u12",
        "\"\\u00e9\\ud83d\\ude00 ok",
        "-",
        "1.",
        "1e",
        "1e+",
        "tru",
        "fals",
        "[nul",
        // expected …
        "[1 2]",
        "[1,,2]",
        "[,1]",
        "{\"a\":1 \"b\":2}",
        "{\"a\" 1}",
        "{\"a\"::1}",
        "{\"a\":}",
        "+1",
        ".5",
        "nan",
        "Infinity",
        "\u{feff}1",
        "trux",
        "nulL",
        "falsy",
        "[true, fals ]",
        "t\u{e9}",
        // keys, commas, trailing characters
        "{1:2}",
        "{\"a\":1, 2:3}",
        "{,}",
        "[1,]",
        "{\"a\":1,}",
        "[1,\n  ]",
        "1 2",
        "{}\n}",
        "[]x",
        "{\"a\":1}}",
        "  \"x\"  y",
        "truex",
        "1x",
        "[1x]",
        "{\"a\":1x}",
        // numbers
        "-a",
        "01",
        "-01",
        "[00]",
        "1.x",
        "[1.]",
        "1e+x",
        "1ex",
        "1.5E-",
        "- 1",
        "1e400",
        "-1e309",
        "[1e999999999999]",
        "1.8e308",
        "0.0001e313",
        // strings
        "\"\\x\"",
        "\"\\\u{e9}\"",
        "\"\\uZZZZ\"",
        "\"\\u12\"]",
        "\"\\u12\"",
        "\"a\tb\"",
        "\"line\nbreak\"",
        "\"\u{e9}\u{1}\"",
        "[\"ok\", \"\u{0}\"]",
        "\"\\uDC00\"",
        "\"\\uD800\"",
        "\"\\uD800\\n\"",
        "\"\\uD800x\"",
        "\"\\uD800\\u0041\"",
        "\"\\uD800\\uD800\"",
        "\"\\uD800",
        "\"\\uD800\\",
        "\"\\uD800\\uDC0",
        "\"\\uD800\u{e9}\"",
        // unicode text before the error
        "{\"n\u{e9}v\": \"\u{e9}\" \"x\"}",
        "[\"\u{1f600}\", tru]",
        "[\"\u{65e5}\u{672c}\",\n \"\u{8a9e}\" 1]",
        "{\"\u{1f600}\": 1,\n \"\u{e9}\": [1,]}",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    // Multi-line documents, with and without a trailing newline.
    for tail in ["    {\"key\": \"second\" \"points\": 5}\n  ]\n}", "    {\"key\": 2,}\n  ]\n}", "  ]\n}\n}"] {
        docs.push(format!("{catalog}{tail}"));
        docs.push(format!("{catalog}{tail}\n"));
    }
    docs.push(catalog.to_owned());
    docs.push(catalog.trim_end().to_owned());
    docs.push(format!("{catalog}    {{\"key\": \"caf\u{e9}\", \"points\": 1.}}\n  ]\n}}\n"));
    // Nesting: the 128th open bracket is refused, wherever it is.
    docs.push("[".repeat(128));
    docs.push("[".repeat(127));
    docs.push("{\"a\":".repeat(128));
    docs.push(format!("{}\n  {{\"deep\": {}", "[".repeat(100), "[".repeat(30)));
    // Long integers and exponents, out of range.
    docs.push("1".repeat(400));
    docs.push(format!("[{}.5e+100]", "9".repeat(220)));
    docs
}

#[test]
fn broken_documents_fail_as_serde_json_does() {
    let docs = broken_documents();
    assert!(docs.len() >= 40);
    let mut failures = Vec::new();
    for doc in &docs {
        let theirs = serde_error(doc).unwrap_or_else(|| panic!("serde_json accepts {doc:?}"));
        match parse(doc) {
            Err(ours) if ours == theirs => {
                let full = serde_json::from_str::<Value>(doc).expect_err("broken").to_string();
                assert_eq!(ours.to_string(), full, "Display of {doc:?}");
            }
            ours => failures.push(format!("{doc:?}\n  ours:       {ours:?}\n  serde_json: {theirs:?}")),
        }
    }
    assert!(failures.is_empty(), "{} of {} differ:\n{}", failures.len(), docs.len(), failures.join("\n"));
}

#[test]
fn every_required_message_is_in_the_corpus() {
    let messages: Vec<&str> = broken_documents().iter().filter_map(|d| parse(d).err()).map(|e| e.message).collect();
    for expected in [
        "EOF while parsing a value",
        "EOF while parsing a list",
        "EOF while parsing an object",
        "EOF while parsing a string",
        "expected value",
        "expected `:`",
        "expected `,` or `]`",
        "expected `,` or `}`",
        "key must be a string",
        "trailing characters",
        "trailing comma",
        "invalid number",
        "number out of range",
        "invalid escape",
        "control character (\\u0000-\\u001F) found while parsing a string",
        "lone leading surrogate in hex escape",
        "unexpected end of hex escape",
        "recursion limit exceeded",
        "expected ident",
    ] {
        assert!(messages.contains(&expected), "no case for {expected:?}");
    }
    // serde_json::from_str never says "invalid unicode code point" (its input
    // is UTF-8 and bad surrogates have their own messages); neither do we.
    assert!(!messages.contains(&"invalid unicode code point"));
}

#[test]
fn valid_edge_cases_match_serde_json() {
    let deep = format!("{}{}", "[".repeat(127), "]".repeat(127));
    let deep_objects = format!("{}1{}", "{\"a\":".repeat(127), "}".repeat(127));
    let long = format!("[{}.5e-100, 0.{}1e400]", "9".repeat(320), "0".repeat(300));
    for doc in [
        "0",
        "-0",
        "-0.0",
        "0e99999999999",
        "0.000e400",
        "1e-400",
        "1e-99999999999",
        "-1e-5000",
        "1.7976931348623157e308",
        "-1.7976931348623157e308",
        "0.00001e313",
        "100e306",
        "18446744073709551615",
        "18446744073709551616",
        "-9223372036854775808",
        "-9223372036854775809",
        "123456789012345678901234567890.5e3",
        " \t\r\n[ 1 , \"a\" , { } , [ ] , null , true , false ] \n",
        "\"\\ud83d\\ude00 \\u00e9 \\/ \\b\\f\\n\\r\\t \\\" \\\\\"",
        "\"\u{7f}\u{1f600}\"",
        "{\"a\":1,\"a\":2,\"b\":{\"a\":3}}",
        &deep,
        &deep_objects,
        &long,
    ] {
        agree(doc).expect("agrees");
    }
}

#[test]
fn reading_the_tree() {
    let doc = parse(r#"{"a": 1, "b": "x\ty", "a": 2, "n": null, "f": 1.50, "e": 1e3, "big": 9223372036854775808}"#)
        .expect("valid");
    let Json::Object(fields) = &doc else { panic!("an object") };
    let names: Vec<&str> = fields.iter().map(|(name, _)| name.as_ref()).collect();
    assert_eq!(names, ["a", "b", "a", "n", "f", "e", "big"], "document order, duplicates kept");
    assert_eq!(doc.get("a").and_then(Json::as_i64), Some(2), "the last one wins");
    assert_eq!(doc.get("b").and_then(Json::as_str), Some("x\ty"));
    assert!(doc.get("n").is_some_and(Json::is_null));
    assert!(doc.get("missing").is_none());
    assert!(doc.get("b").and_then(|b| b.get("a")).is_none(), "get on a non-object");
    let Some(Json::Number(f)) = doc.get("f") else { panic!("a number") };
    assert_eq!((f.text(), f.as_i64(), f.is_integer()), ("1.50", None, false));
    assert_eq!(doc.get("e").map(Json::type_name), Some("a number with a fraction"));
    assert_eq!(doc.get("e").and_then(Json::as_i64), None);
    assert_eq!(doc.get("big").map(Json::type_name), Some("an integer"));
    assert_eq!(doc.get("big").and_then(Json::as_i64), None);
    let names: Vec<&str> = ["null", "true", "-12", "0.5", "\"s\"", "[]", "{}"]
        .iter()
        .map(|t| parse(t).expect("valid").type_name())
        .collect();
    assert_eq!(
        names,
        ["null", "a boolean", "an integer", "a number with a fraction", "a string", "an array", "an object"]
    );
    assert_eq!(parse("-9223372036854775808").expect("valid").as_i64(), Some(i64::MIN));
    assert_eq!(parse("9223372036854775807").expect("valid").as_i64(), Some(i64::MAX));
    assert_eq!(parse("-0").expect("valid").as_i64(), Some(0));
    assert_eq!(parse("1.0").expect("valid").as_i64(), None);
    assert_eq!(parse("\"s\"").expect("valid").as_i64(), None);
    assert_eq!(parse("1").expect("valid").as_str(), None);
}

#[test]
fn strings_borrow_unless_escaped() {
    let text = r#"["plain", "caf\u00e9 \u2603", "tab\there", "😀"]"#;
    let Json::Array(items) = parse(text).expect("valid") else { panic!("an array") };
    let kinds: Vec<(bool, &str)> = items
        .iter()
        .map(|item| match item {
            Json::String(s) => (matches!(s, Cow::Borrowed(_)), s.as_ref()),
            _ => panic!("a string"),
        })
        .collect();
    assert_eq!(kinds, [(true, "plain"), (false, "café ☃"), (false, "tab\there"), (true, "😀")]);
}

#[test]
fn errors_display_as_serde_json_does() {
    let e = parse("{\n  \"a\": trux\n}").expect_err("broken");
    assert_eq!(e, SyntaxError { line: 2, column: 11, message: "expected ident" });
    assert_eq!(e.to_string(), "expected ident at line 2 column 11");
    let source: &dyn std::error::Error = &e;
    assert!(source.source().is_none());
}

/// Where "number out of range" starts, a deliberate difference: here exactly
/// where rounding to an f64 reaches infinity (at 1.7976931348623158079e308,
/// to 20 digits); serde_json's default parser, rounding twice, may disagree
/// within about one unit in the last place of `f64::MAX`.
#[test]
fn out_of_range_starts_where_f64_rounding_reaches_infinity() {
    for fits in ["1.7976931348623157e308", "-1.797693134862315807e308", "1797693134862315807e290", "0.0001e312"] {
        assert!(parse(fits).is_ok(), "{fits}");
    }
    for too_large in [
        "1.7976931348623158079e308",
        "-17976931348623158079e289",
        "0.00017976931348623158079e312",
        "1.8e308",
        "1e2147483647",
    ] {
        let column = too_large.len();
        assert_eq!(parse(too_large), Err(SyntaxError { line: 1, column, message: "number out of range" }));
    }
}

fn arb_string() -> impl Strategy<Value = String> {
    let special = prop::sample::select(vec!['"', '\\', '/', '\n', '\t', '\u{0}', '\u{1f}', '\u{7f}', 'é', '☃', '😀']);
    prop::collection::vec(prop_oneof![3 => any::<char>(), 2 => special, 3 => prop::char::range('a', 'z')], 0..12)
        .prop_map(String::from_iter)
}

fn arb_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        (-1000i64..1000).prop_map(Value::from),
        any::<f64>().prop_filter_map("finite", |f| serde_json::Number::from_f64(f).map(Value::Number)),
        (-1e6f64..1e6).prop_filter_map("finite", |f| serde_json::Number::from_f64(f).map(Value::Number)),
        arb_string().prop_map(Value::String),
    ];
    leaf.prop_recursive(6, 96, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
            prop::collection::vec((arb_string(), inner), 0..8).prop_map(|f| Value::Object(f.into_iter().collect())),
        ]
    })
}

/// Pieces of JSON, broken and not, for the differential fuzz.
const FRAGMENTS: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    " ",
    "\n",
    "\r\n",
    "\t",
    "\"",
    "\\",
    "a",
    "é",
    "😀",
    "0",
    "1",
    "9",
    "-",
    ".",
    "e",
    "E",
    "+",
    "true",
    "tru",
    "null",
    "false",
    "\\u",
    "D800",
    "DC00",
    "\\uD83D",
    "\\uDE00",
    "00e9",
    "x",
    "\u{1}",
    "\"k\":",
    "\"v\"",
    "1e400",
    "1e-400",
    "99999999999999999999",
    "\\n",
    "\\q",
    "/",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn valid_documents_parse_to_serde_json_values(value in arb_value(), pretty in any::<bool>()) {
        let text = if pretty {
            serde_json::to_string_pretty(&value).expect("serializable")
        } else {
            serde_json::to_string(&value).expect("serializable")
        };
        prop_assert!(serde_json::from_str::<Value>(&text).is_ok());
        let ours = parse(&text).map_err(|e| TestCaseError::fail(format!("{e} in {text}")))?;
        prop_assert!(same(&ours, &value, true), "{} parsed as {:?}", text, ours);
        prop_assert!(borrowed_exactly_when_unescaped(&ours), "{}", text);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4000))]

    #[test]
    fn fragments_fail_or_parse_as_serde_json_does(pieces in prop::collection::vec(prop::sample::select(FRAGMENTS), 0..24)) {
        let text = pieces.concat();
        agree(&text).map_err(TestCaseError::fail)?;
    }

    #[test]
    fn damaged_documents_fail_as_serde_json_does(value in arb_value(), cut in any::<prop::sample::Index>(), with in prop::sample::select(FRAGMENTS)) {
        // Valid text with one piece inserted, or cut short.
        let text = serde_json::to_string_pretty(&value).expect("serializable");
        let boundaries: Vec<usize> = (0..=text.len()).filter(|&i| text.is_char_boundary(i)).collect();
        let at = boundaries[cut.index(boundaries.len())];
        agree(&format!("{}{}{}", &text[..at], with, &text[at..])).map_err(TestCaseError::fail)?;
        agree(&text[..at]).map_err(TestCaseError::fail)?;
    }
}

#[test]
fn the_first_repeated_field_is_found_at_any_depth() {
    let repeat = |text: &str| parse(text).expect("valid JSON").first_repeated_field().map(|p| p.to_string());
    assert_eq!(repeat(r#"{"id": "a", "user": "u", "id": "b"}"#).as_deref(), Some("id"));
    assert_eq!(repeat(r#"{"events": [{"id": 1}, {"v": {"x": 1, "x": 2}}]}"#).as_deref(), Some("events[1].v.x"));
    assert_eq!(repeat(r#"[[{"a": 1}], [{"b": {"c": [{"d": 1, "d": 1}]}}]]"#).as_deref(), Some("[1][0].b.c[0].d"));
    // Document order: the repeat written first wins, even if shallower ones follow.
    assert_eq!(repeat(r#"{"a": {"b": 1, "b": 2}, "a": 3}"#).as_deref(), Some("a.b"));
    // The same name in different objects is no repeat.
    assert_eq!(repeat(r#"{"a": {"id": 1}, "b": {"id": 1}, "c": [{"id": 1}, {"id": 2}]}"#), None);
    assert_eq!(repeat(r#""id""#), None);
}
