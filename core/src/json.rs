//! A small JSON parser producing a borrowed tree, with serde_json's messages.
//!
//! The catalog and scenario readers need only a tree to walk; building
//! `serde_json::Value` would bring serde_json's generic parser, its error
//! Display and float formatting into the WebAssembly module (BENCHMARKS.md
//! has what that cost). This module is one
//! non-generic recursive-descent parser over bytes, and nothing else.
//!
//! Choices, and why:
//! - **Borrowed tree.** Strings and numbers are slices of the text; only a
//!   string holding escapes is copied. Parsing allocates just the vectors.
//! - **Document order, duplicates kept.** An object is a list of fields as
//!   written, so a reader can report fields in the order the author wrote them
//!   and decide what a repeated name means; [`Json::get`] takes the last one,
//!   as serde_json's map would.
//! - **Numbers as written.** [`Number`] keeps the text, so a message can quote
//!   `1.50` exactly, and no float parsing or formatting code is linked.
//! - **serde_json's messages and positions.** Every syntax error has the
//!   wording, line and column serde_json gives for the same mistake, so
//!   existing error fixtures keep their text. Lines and columns are 1-based
//!   and columns count bytes, as serde_json's do; an error at the very end of a
//!   text that ends in a newline is at column 0 of the next line.
//! - **Panic-free.** No indexing, slicing, unwrap or formatting in the parser,
//!   so the WebAssembly build links no panic or format machinery through it.
//!
//! Two things serde_json would do differently, both at the edges: a number
//! is out of range when its magnitude is at least 1.7976931348623158079e308
//! (exact rounding; serde_json's default parser rounds twice, so it may
//! disagree within about one unit in the last place of `f64::MAX`), and
//! `-0` and integers beyond u64 are integers here ([`Json::type_name`] says
//! so) where serde_json reads them as floats.

use std::borrow::Cow;
use std::fmt;
use std::iter;

/// A parsed JSON value; strings borrow from the text unless they held escapes.
#[derive(Clone, Debug, PartialEq)]
pub enum Json<'a> {
    Null,
    Bool(bool),
    Number(Number<'a>),
    String(Cow<'a, str>),
    Array(Vec<Json<'a>>),
    /// Fields in document order; duplicate names are kept (readers decide).
    Object(Vec<(Cow<'a, str>, Json<'a>)>),
}

/// A number as written, so messages can quote it exactly.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Number<'a>(&'a str);

impl<'a> Number<'a> {
    /// The number exactly as in the document, e.g. `-12` or `1.5e3`.
    pub fn text(&self) -> &'a str {
        self.0
    }

    /// The value of an integer literal (no fraction or exponent) that fits
    /// in an i64; `None` otherwise (`1.0` and `1e3` included).
    pub fn as_i64(&self) -> Option<i64> {
        if self.is_integer() { self.0.parse().ok() } else { None }
    }

    /// Whether the text has no fraction and no exponent.
    pub fn is_integer(&self) -> bool {
        !self.0.bytes().any(|b| matches!(b, b'.' | b'e' | b'E'))
    }
}

impl<'a> Json<'a> {
    /// An object's field: the last one of that name, as serde_json would
    /// keep. `None` when absent or when this is not an object.
    pub fn get(&self, field: &str) -> Option<&Json<'a>> {
        let Json::Object(fields) = self else { return None };
        fields.iter().rev().find(|(name, _)| name == field).map(|(_, value)| value)
    }

    pub fn as_str(&self) -> Option<&str> {
        if let Json::String(s) = self { Some(s) } else { None }
    }

    /// An integer literal that fits in an i64 (see [`Number::as_i64`]).
    pub fn as_i64(&self) -> Option<i64> {
        if let Json::Number(n) = self { n.as_i64() } else { None }
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Json::Null)
    }

    /// The JSON type in words, for "expected X, got Y" messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Json::Null => "null",
            Json::Bool(_) => "a boolean",
            Json::Number(n) if n.is_integer() => "an integer",
            Json::Number(_) => "a number with a fraction",
            Json::String(_) => "a string",
            Json::Array(_) => "an array",
            Json::Object(_) => "an object",
        }
    }
}

/// Whether field `i` of an object's fields repeats the name of an earlier
/// one. JSON allows a name twice and a reader would silently keep one; the
/// catalog readers and the server's request bodies refuse it instead, with
/// this one check.
pub fn repeats_earlier(fields: &[(Cow<'_, str>, Json<'_>)], i: usize) -> bool {
    let name = fields.get(i).map(|(name, _)| name);
    fields.iter().take(i).any(|(earlier, _)| Some(earlier) == name)
}

/// One step of a path into a document: an object's field or an array's index.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step<'t> {
    Field(&'t str),
    Index(usize),
}

/// Where a value is in a document, from the top; shown as `events[2].id`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Path<'t>(pub Vec<Step<'t>>);

impl fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (n, step) in self.0.iter().enumerate() {
            match step {
                Step::Field(name) if n == 0 => f.write_str(name)?,
                Step::Field(name) => write!(f, ".{name}")?,
                Step::Index(i) => write!(f, "[{i}]")?,
            }
        }
        Ok(())
    }
}

impl<'a> Json<'a> {
    /// The first field, in document order and at any depth, whose name an
    /// earlier field of the same object already has: its path, ending with
    /// that name (`events[2].id`). `None` when every object names each field
    /// once.
    pub fn first_repeated_field(&self) -> Option<Path<'_>> {
        let mut path = Vec::new();
        self.find_repeat(&mut path).then_some(Path(path))
    }

    /// Depth-first search that leaves `path` at the repeat it found.
    fn find_repeat<'s>(&'s self, path: &mut Vec<Step<'s>>) -> bool {
        match self {
            Json::Object(fields) => {
                for (i, (name, value)) in fields.iter().enumerate() {
                    path.push(Step::Field(name));
                    if repeats_earlier(fields, i) || value.find_repeat(path) {
                        return true;
                    }
                    path.pop();
                }
                false
            }
            Json::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    path.push(Step::Index(i));
                    if item.find_repeat(path) {
                        return true;
                    }
                    path.pop();
                }
                false
            }
            _ => false,
        }
    }
}

/// A syntax error: where (1-based line and column, as serde_json counts them)
/// and what.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntaxError {
    pub line: usize,
    /// In bytes from the start of the line; 0 at the start of an empty last line.
    pub column: usize,
    pub message: &'static str,
}

impl fmt::Display for SyntaxError {
    /// `message at line L column C`, as serde_json writes it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at line {} column {}", self.message, self.line, self.column)
    }
}

impl std::error::Error for SyntaxError {}

/// Parses one JSON value surrounded by optional whitespace.
pub fn parse(text: &str) -> Result<Json<'_>, SyntaxError> {
    let mut parser = Parser { text, bytes: text.as_bytes(), pos: 0, depth: 0 };
    let result = parser.value().and_then(|value| match parser.whitespace() {
        None => Ok(value),
        Some(_) => Err(parser.ahead("trailing characters")),
    });
    result.map_err(|(at, message)| {
        // serde_json's position of byte offset `at`: lines before it, and the
        // bytes between the last newline and it.
        let before = text.as_bytes().get(..at).unwrap_or_default();
        let line_start = before.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        let line = 1 + before.iter().filter(|&&b| b == b'\n').count();
        SyntaxError { line, column: at.saturating_sub(line_start), message }
    })
}

/// serde_json's words for the mistakes met in several places.
const EOF_VALUE: &str = "EOF while parsing a value";
const EOF_OBJECT: &str = "EOF while parsing an object";
const EOF_STRING: &str = "EOF while parsing a string";
const INVALID_NUMBER: &str = "invalid number";
const OUT_OF_RANGE: &str = "number out of range";
const INVALID_ESCAPE: &str = "invalid escape";
const LONE_SURROGATE: &str = "lone leading surrogate in hex escape";
/// serde_json gives this only for input that is not UTF-8, which a `&str`
/// cannot be; here it guards slicing that cannot fail.
const INVALID_CODE_POINT: &str = "invalid unicode code point";

/// serde_json's default nesting limit: the 128th open bracket is refused.
const MAX_DEPTH: u32 = 128;

/// The significant digits from which a number rounds to infinity as an f64
/// (the midpoint between `f64::MAX` and 2^1024 is 1.79769313486231580793…e308).
const OVERFLOW_DIGITS: &[u8] = b"17976931348623158079";

/// A failure: the byte offset serde_json would report, and the message.
type Fail = (usize, &'static str);

struct Parser<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    depth: u32,
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn next(&mut self) -> Option<u8> {
        self.peek().inspect(|_| self.pos += 1)
    }

    /// An error about the byte just consumed (serde_json's `error`).
    fn here(&self, message: &'static str) -> Fail {
        (self.pos, message)
    }

    /// An error about the byte not yet consumed (serde_json's `peek_error`).
    fn ahead(&self, message: &'static str) -> Fail {
        (self.bytes.len().min(self.pos + 1), message)
    }

    fn slice(&self, start: usize, end: usize) -> Result<&'a str, Fail> {
        self.text.get(start..end).ok_or((end, INVALID_CODE_POINT))
    }

    /// Skips whitespace and returns the next byte without consuming it.
    fn whitespace(&mut self) -> Option<u8> {
        while let Some(b' ' | b'\n' | b'\t' | b'\r') = self.peek() {
            self.pos += 1;
        }
        self.peek()
    }

    fn value(&mut self) -> Result<Json<'a>, Fail> {
        match self.whitespace() {
            None => Err(self.ahead(EOF_VALUE)),
            Some(b'n') => self.expect(b"null", EOF_VALUE, "expected ident").map(|()| Json::Null),
            Some(b't') => self.expect(b"true", EOF_VALUE, "expected ident").map(|()| Json::Bool(true)),
            Some(b'f') => self.expect(b"false", EOF_VALUE, "expected ident").map(|()| Json::Bool(false)),
            Some(b'-' | b'0'..=b'9') => self.number().map(Json::Number),
            Some(b'"') => self.string().map(Json::String),
            Some(b'[') => self.container(false),
            Some(b'{') => self.container(true),
            Some(_) => Err(self.ahead("expected value")),
        }
    }

    /// Consumes `expected` byte by byte, failing at the first other byte as
    /// serde_json does (`tru` is "expected ident", `"\uD800x"` is "unexpected
    /// end of hex escape").
    fn expect(&mut self, expected: &[u8], eof: &'static str, other: &'static str) -> Result<(), Fail> {
        for &e in expected {
            match self.next() {
                None => return Err(self.here(eof)),
                Some(b) if b != e => return Err(self.here(other)),
                Some(_) => {}
            }
        }
        Ok(())
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while let Some(b'0'..=b'9') = self.peek() {
            self.pos += 1;
        }
        self.pos - start
    }

    fn number(&mut self) -> Result<Number<'a>, Fail> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        let mantissa_start = self.pos;
        match self.next() {
            None => return Err(self.here(EOF_VALUE)),
            Some(b'0') if matches!(self.peek(), Some(b'0'..=b'9')) => return Err(self.ahead(INVALID_NUMBER)),
            Some(b'0') => {}
            Some(b'1'..=b'9') => _ = self.digits(),
            Some(_) => return Err(self.here(INVALID_NUMBER)),
        }
        let integer_digits = self.pos - mantissa_start;
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if self.digits() == 0 {
                return Err(self.ahead(if self.peek().is_some() { INVALID_NUMBER } else { EOF_VALUE }));
            }
        }
        let mantissa = self.bytes.get(mantissa_start..self.pos).unwrap_or_default();
        // The first significant digit, as an index into the mantissa text.
        let lead = mantissa.iter().position(|b| matches!(b, b'1'..=b'9'));
        let mut exponent: i64 = 0;
        if let Some(b'e' | b'E') = self.peek() {
            self.pos += 1;
            let negative = self.peek() == Some(b'-');
            if let Some(b'-' | b'+') = self.peek() {
                self.pos += 1;
            }
            match self.next() {
                None => return Err(self.here(EOF_VALUE)),
                Some(d @ b'0'..=b'9') => exponent = i64::from(d - b'0'),
                Some(_) => return Err(self.here(INVALID_NUMBER)),
            }
            while let Some(d @ b'0'..=b'9') = self.peek() {
                self.pos += 1;
                exponent = (exponent * 10 + i64::from(d - b'0')).min(1 << 31);
                // Past i32::MAX, serde_json stops reading the exponent.
                if exponent == 1 << 31 && !negative && lead.is_some() {
                    return Err(self.here(OUT_OF_RANGE));
                }
            }
            if negative {
                exponent = -exponent;
            }
        }
        if let Some(lead) = lead {
            // The value is 0.DDD × 10^magnitude, D the significant digits;
            // compare the first 20 with those that round to infinity.
            let magnitude = integer_digits as i64 - lead as i64 + i64::from(lead > integer_digits) + exponent;
            let digits = mantissa.iter().skip(lead).filter(|b| b.is_ascii_digit()).chain(iter::repeat(&b'0'));
            if magnitude > 309 || magnitude == 309 && digits.take(20).ge(OVERFLOW_DIGITS) {
                return Err(self.here(OUT_OF_RANGE));
            }
        }
        self.slice(start, self.pos).map(Number)
    }

    /// A string, its opening quote seen but not consumed.
    fn string(&mut self) -> Result<Cow<'a, str>, Fail> {
        self.pos += 1;
        let mut start = self.pos;
        let mut owned: Option<String> = None;
        loop {
            let rest = self.bytes.get(self.pos..).unwrap_or_default();
            self.pos += rest.iter().position(|&b| matches!(b, b'"' | b'\\' | 0..=0x1F)).unwrap_or(rest.len());
            let segment = match self.peek() {
                None => return Err(self.here(EOF_STRING)),
                Some(b'"' | b'\\') => self.slice(start, self.pos)?,
                Some(_) => {
                    return Err((self.pos + 1, "control character (\\u0000-\\u001F) found while parsing a string"));
                }
            };
            if self.next() == Some(b'"') {
                return Ok(match owned {
                    None => Cow::Borrowed(segment),
                    Some(mut s) => {
                        s.push_str(segment);
                        Cow::Owned(s)
                    }
                });
            }
            let s = owned.get_or_insert_with(String::new);
            s.push_str(segment);
            s.push(self.escape()?);
            start = self.pos;
        }
    }

    /// The character of an escape, its backslash consumed.
    fn escape(&mut self) -> Result<char, Fail> {
        Ok(match self.next() {
            None => return Err(self.here(EOF_STRING)),
            Some(b'"') => '"',
            Some(b'\\') => '\\',
            Some(b'/') => '/',
            Some(b'b') => '\u{8}',
            Some(b'f') => '\u{c}',
            Some(b'n') => '\n',
            Some(b'r') => '\r',
            Some(b't') => '\t',
            Some(b'u') => {
                let high = self.hex4()?;
                let code = match high {
                    0xDC00..=0xDFFF => return Err(self.here(LONE_SURROGATE)),
                    0xD800..=0xDBFF => {
                        self.expect(b"\\u", EOF_STRING, "unexpected end of hex escape")?;
                        let low = self.hex4()?;
                        if !(0xDC00..=0xDFFF).contains(&low) {
                            return Err(self.here(LONE_SURROGATE));
                        }
                        0x10000 + ((high - 0xD800) << 10 | (low - 0xDC00))
                    }
                    _ => high,
                };
                return char::from_u32(code).ok_or(self.here(INVALID_CODE_POINT));
            }
            Some(_) => return Err(self.here(INVALID_ESCAPE)),
        })
    }

    /// Four hex digits, consumed together as serde_json does (so a bad digit
    /// is reported after the fourth).
    fn hex4(&mut self) -> Result<u32, Fail> {
        let Some(&[a, b, c, d]) = self.bytes.get(self.pos..self.pos + 4) else {
            self.pos = self.bytes.len();
            return Err(self.here(EOF_STRING));
        };
        self.pos += 4;
        [a, b, c, d].into_iter().try_fold(0, |n, digit| Some(n << 4 | hex(digit)?)).ok_or(self.here(INVALID_ESCAPE))
    }

    /// An array or an object, its opening bracket seen but not consumed.
    fn container(&mut self, object: bool) -> Result<Json<'a>, Fail> {
        let (close, eof, expected_comma) = if object {
            (b'}', EOF_OBJECT, "expected `,` or `}`")
        } else {
            (b']', "EOF while parsing a list", "expected `,` or `]`")
        };
        self.depth += 1;
        if self.depth >= MAX_DEPTH {
            return Err(self.ahead("recursion limit exceeded"));
        }
        self.pos += 1;
        let (mut items, mut fields) = (Vec::new(), Vec::new());
        let mut first = true;
        loop {
            // Before an item: the first one, or one after a comma.
            match self.whitespace() {
                None => return Err(self.ahead(if first { eof } else { EOF_VALUE })),
                Some(b) if b == close && first => break,
                Some(b) if b == close => return Err(self.ahead("trailing comma")),
                Some(b'"') => {}
                Some(_) if object => return Err(self.ahead("key must be a string")),
                Some(_) => {}
            }
            first = false;
            if object {
                let name = self.string()?;
                match self.whitespace() {
                    None => return Err(self.ahead(EOF_OBJECT)),
                    Some(b':') => self.pos += 1,
                    Some(_) => return Err(self.ahead("expected `:`")),
                }
                fields.push((name, self.value()?));
            } else {
                items.push(self.value()?);
            }
            match self.whitespace() {
                None => return Err(self.ahead(eof)),
                Some(b) if b == close => break,
                Some(b',') => self.pos += 1,
                Some(_) => return Err(self.ahead(expected_comma)),
            }
        }
        self.depth -= 1;
        self.pos += 1;
        Ok(if object { Json::Object(fields) } else { Json::Array(items) })
    }
}

fn hex(digit: u8) -> Option<u32> {
    let value = match digit {
        b'0'..=b'9' => digit - b'0',
        b'a'..=b'f' => digit - b'a' + 10,
        b'A'..=b'F' => digit - b'A' + 10,
        _ => return None,
    };
    Some(u32::from(value))
}
