//! Reading and validating a catalog file: JSON text in, a [`Catalog`] or every
//! problem found out.
//!
//! Validation is where a catalog author meets the rules, so each message says
//! where (a JSON path) and what to do. The checks, in file order:
//! syntax; `version`; `points_field`; the event table (ops, field roles);
//! each achievement's fields; then cross-references (tracking fields that no
//! event updates, criteria types that do not fit the field, prerequisites).

use crate::diagnostic::{Diagnostics, InvalidFile};
use crate::json::Json;
use crate::json_reader::{self, Object};
use crate::model::{Catalog, Category, CriteriaType, Definition, Effect, Op, Placeholder, Rarity, is_valid_key};
use crate::time::Instant as Timestamp;
use crate::valid_catalog::ValidCatalog;
// Sorted maps rather than hash maps: small inputs, and the WebAssembly
// build then links no hash table.
use crate::sorted_map::SortedMap;

/// A catalog that passed validation, with any warnings worth showing.
#[derive(Debug)]
pub struct Loaded {
    pub catalog: ValidCatalog,
    pub warnings: Vec<crate::Diagnostic>,
}

const TOP_FIELDS: &[&str] = &["version", "points_field", "events", "achievements", "secret_placeholders"];
const EFFECT_FIELDS: &[&str] = &["field", "op", "longest_field"];
const PLACEHOLDER_FIELDS: &[&str] = &["id", "category"];
const ACHIEVEMENT_FIELDS: &[&str] = &[
    "key",
    "name",
    "description",
    "icon",
    "color_from",
    "color_to",
    "category",
    "points",
    "criteria_type",
    "criteria_value",
    "tracking_field",
    "requires_achievements",
    "is_secret",
    "rarity",
    "order",
    "is_active",
    "available_from",
    "available_until",
];

/// Parses and validates catalog JSON text.
///
/// # Errors
/// [`InvalidFile`] listing every problem found, each as `PATH: message`.
///
/// ```
/// let loaded = achievements_core::load_catalog(achievements_core::SHIPPED_CATALOG_JSON).unwrap();
/// assert!(loaded.catalog.definition("first_project").is_some());
/// ```
pub fn load_catalog(text: &str) -> Result<Loaded, InvalidFile> {
    let value = json_reader::parse(text).map_err(|e| InvalidFile { errors: vec![e], warnings: vec![] })?;
    let mut diags = Diagnostics::default();
    let catalog = read_catalog(&value, &mut diags);
    match catalog {
        Some(catalog) if diags.errors.is_empty() => {
            Ok(Loaded { catalog: ValidCatalog::validated(catalog), warnings: diags.warnings })
        }
        _ => Err(InvalidFile { errors: diags.errors, warnings: diags.warnings }),
    }
}

/// The role a field plays, decided by the effects that update it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FieldRole {
    Updated(Op),
    /// The `longest_field` of a streak effect: a gauge holding the longest run.
    Longest,
}

impl FieldRole {
    fn describe(self) -> String {
        match self {
            FieldRole::Updated(op) => format!("`{op}`"),
            FieldRole::Longest => "the longest run of a streak".to_owned(),
        }
    }
}

fn read_catalog(value: &Json<'_>, diags: &mut Diagnostics) -> Option<Catalog> {
    let top = Object::new(value, "", TOP_FIELDS, diags)?;

    let version = top.int("version", diags);
    if let Some(v) = version.filter(|v| *v != 1) {
        diags.error("version", format!("unsupported version {v} (this build reads version 1)"));
    }

    let points_field = top.opt_string("points_field", diags).map(str::to_owned);
    let events = read_events(&top, diags);
    let roles = field_roles(&events, diags);
    if let Some(pf) = &points_field {
        match roles.get(pf.as_str()).map(|(role, _)| role) {
            Some(FieldRole::Updated(Op::Add)) | None => {}
            Some(role) => diags.error(
                "points_field",
                format!("`{pf}` must be an `add` field, but events update it as {}", role.describe()),
            ),
        }
    }

    let placeholders = read_placeholders(&top, diags);
    let (achievements, all_keys) = read_achievements(&top, diags);
    check_references(&achievements, &all_keys, &placeholders, &roles, points_field.as_deref(), diags);

    Some(Catalog {
        version: 1,
        points_field,
        events,
        achievements: achievements.into_iter().map(|(_, d)| d).collect(),
        secret_placeholders: placeholders,
    })
}

fn read_events(top: &Object<'_>, diags: &mut Diagnostics) -> SortedMap<String, Vec<Effect>> {
    let mut events = SortedMap::new();
    let Some(value) = top.required("events", diags) else { return events };
    let Json::Object(fields) = value else {
        diags.error("events", format!("expected an object of event type → effects, got {}", value.type_name()));
        return events;
    };
    for (i, (event_type, effects_value)) in fields.iter().enumerate() {
        let path = format!("events.{event_type}");
        if !is_valid_key(event_type) {
            diags.error(&path, "event type names must be non-empty lowercase letters, digits and `_`");
        }
        if json_reader::repeats_earlier(fields, i) {
            diags.error(&path, format!("duplicate event type `{event_type}`"));
            continue;
        }
        let Json::Array(items) = effects_value else {
            diags.error(&path, format!("expected an array of effects, got {}", effects_value.type_name()));
            continue;
        };
        if items.is_empty() {
            diags.error(&path, "an event type needs at least one effect");
        }
        let mut effects: Vec<Effect> = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let Some(obj) = Object::new(item, format!("{path}[{i}]"), EFFECT_FIELDS, diags) else { continue };
            let field = obj.string("field", diags);
            let op = obj.string("op", diags).and_then(|op| {
                let parsed = Op::parse(op);
                if parsed.is_none() {
                    diags.error(obj.at("op"), format!("unknown op `{op}` (expected one of: {})", Op::expected_list()));
                }
                parsed
            });
            let longest_field = obj.opt_string("longest_field", diags);
            if longest_field.is_some() && op.is_some_and(|op| op != Op::Streak) {
                diags.error(obj.at("longest_field"), "only `streak` effects have a longest field");
            }
            if let (Some(field), Some(op)) = (field, op) {
                if field.is_empty() {
                    diags.error(obj.at("field"), "must not be empty");
                }
                if effects.iter().any(|e| e.field == field) {
                    diags.error(obj.at("field"), format!("`{field}` is already updated by this event"));
                }
                if longest_field == Some(field) {
                    diags.error(obj.at("longest_field"), "must differ from the streak field itself");
                }
                effects.push(Effect { field: field.to_owned(), op, longest_field: longest_field.map(str::to_owned) });
            }
        }
        events.insert(event_type.to_string(), effects);
    }
    events
}

/// Each field's single role, with the path that first gave it that role
/// (for messages). One map, not two: the WebAssembly build pays for each
/// kind of map it links.
pub(crate) type FieldRoles<'a> = SortedMap<&'a str, (FieldRole, String)>;

/// Decides each field's single role, reporting fields used in two ways.
pub(crate) fn field_roles<'a>(events: &'a SortedMap<String, Vec<Effect>>, diags: &mut Diagnostics) -> FieldRoles<'a> {
    let mut roles = FieldRoles::new();
    for (event_type, effects) in events {
        for (i, effect) in effects.iter().enumerate() {
            let path = format!("events.{event_type}[{i}]");
            let mut claim =
                |field: &'a str, role: FieldRole, path: String, diags: &mut Diagnostics| match roles.get(field) {
                    Some((existing, first_use)) if *existing != role => diags.error(
                        path,
                        format!(
                            "`{field}` is used as {} here but as {} at {first_use}; a field has one role everywhere",
                            role.describe(),
                            existing.describe(),
                        ),
                    ),
                    Some(_) => {}
                    None => {
                        roles.insert(field, (role, path));
                    }
                };
            claim(&effect.field, FieldRole::Updated(effect.op), format!("{path}.op"), diags);
            if let Some(longest) = &effect.longest_field {
                claim(longest, FieldRole::Longest, format!("{path}.longest_field"), diags);
            }
        }
    }
    roles
}

fn read_placeholders(top: &Object<'_>, diags: &mut Diagnostics) -> Vec<Placeholder> {
    let mut out = Vec::new();
    let Some(value) = top.raw("secret_placeholders").filter(|v| !v.is_null()) else { return out };
    let Json::Array(items) = value else {
        diags.error("secret_placeholders", format!("expected an array, got {}", value.type_name()));
        return out;
    };
    for (i, item) in items.iter().enumerate() {
        let Some(obj) = Object::new(item, format!("secret_placeholders[{i}]"), PLACEHOLDER_FIELDS, diags) else {
            continue;
        };
        let id = obj.string("id", diags);
        let category = read_enum::<Category>(&obj, "category", "category", diags);
        if let Some(id) = id {
            if id.is_empty() || is_valid_key(id) {
                diags.error(
                    obj.at("id"),
                    "placeholder ids must be non-empty and not valid achievement keys (use `secret-N`)",
                );
            }
            if out.iter().any(|p: &Placeholder| p.id == id) {
                diags.error(obj.at("id"), format!("duplicate placeholder id `{id}`"));
            }
        }
        if let (Some(id), Some(category)) = (id, category) {
            out.push(Placeholder { id: id.to_owned(), category });
        }
    }
    out
}

/// Reads every achievement; returns the valid ones with their JSON path
/// prefix, and every key seen (valid definition or not), so a prerequisite
/// naming a definition with its own error is not also reported unknown.
fn read_achievements<'v>(
    top: &Object<'v>,
    diags: &mut Diagnostics,
) -> (Vec<(String, Definition)>, SortedMap<&'v str, usize>) {
    let mut out = Vec::new();
    // Every key seen, with the index that first used it.
    let mut all_keys: SortedMap<&str, usize> = SortedMap::new();
    let Some(value) = top.required("achievements", diags) else { return (out, all_keys) };
    let Json::Array(items) = value else {
        diags.error("achievements", format!("expected an array, got {}", value.type_name()));
        return (out, all_keys);
    };
    for (i, item) in items.iter().enumerate() {
        // Name the item by its key in paths when the key is readable.
        let key = item.get("key").and_then(Json::as_str);
        let first = key.map(|k| *all_keys.get_or_insert_with(k, || i));
        let path = match key {
            Some(k) if !k.is_empty() => format!("achievements[{i}] ({k})"),
            _ => format!("achievements[{i}]"),
        };
        let Some(obj) = Object::new(item, path, ACHIEVEMENT_FIELDS, diags) else { continue };
        if let (Some(k), Some(first)) = (key, first)
            && !k.is_empty()
            && first != i
        {
            diags.error(obj.at("key"), format!("duplicate key `{k}` (first used by achievements[{first}])"));
        }
        if let Some(def) = read_definition(&obj, diags) {
            out.push((obj.path.clone(), def));
        }
    }
    (out, all_keys)
}

fn read_definition(obj: &Object<'_>, diags: &mut Diagnostics) -> Option<Definition> {
    let errors_before = diags.errors.len();
    let key = obj.string("key", diags);
    if let Some(k) = key {
        if k.is_empty() {
            diags.error(obj.at("key"), "must not be empty");
        } else if !is_valid_key(k) {
            diags.error(obj.at("key"), format!("`{k}` is not a valid key (use lowercase letters, digits and `_`)"));
        }
    }
    let name = non_empty(obj, "name", diags);
    let description = obj.string("description", diags);
    let icon = non_empty(obj, "icon", diags);
    let color_from = non_empty(obj, "color_from", diags);
    let color_to = non_empty(obj, "color_to", diags);
    let category = read_enum::<Category>(obj, "category", "category", diags);
    let points = obj.opt_int("points", diags).unwrap_or(10);
    if points < 0 {
        diags.error(obj.at("points"), format!("must not be negative, got {points}"));
    }
    let criteria_type = read_enum::<CriteriaType>(obj, "criteria_type", "criteria type", diags);
    let criteria_value = obj.int("criteria_value", diags);
    if let Some(v) = criteria_value {
        if v < 1 {
            diags.error(obj.at("criteria_value"), format!("must be at least 1, got {v}"));
        } else if criteria_type == Some(CriteriaType::FirstTime) && v != 1 {
            diags.error(obj.at("criteria_value"), format!("must be 1 for a `first_time` achievement, got {v}"));
        }
    }
    let tracking_field = non_empty(obj, "tracking_field", diags);
    let requires = obj.opt_string_list("requires_achievements", diags).unwrap_or_default();
    let is_secret = obj.opt_bool("is_secret", diags).unwrap_or(false);
    let rarity =
        if obj.has("rarity") { read_enum::<Rarity>(obj, "rarity", "rarity", diags) } else { Some(Rarity::Common) };
    let order = obj.opt_int("order", diags).unwrap_or(0);
    let is_active = obj.opt_bool("is_active", diags).unwrap_or(true);
    let available_from = read_timestamp(obj, "available_from", diags);
    let available_until = read_timestamp(obj, "available_until", diags);
    if let (Some(from), Some(until)) = (available_from, available_until)
        && from >= until
    {
        diags.error(
            obj.at("available_until"),
            format!("the window must end after it starts ({from} is not before {until})"),
        );
    }
    if diags.errors.len() != errors_before {
        return None;
    }
    Some(Definition {
        key: key?.to_owned(),
        name: name?.to_owned(),
        description: description?.to_owned(),
        icon: icon?.to_owned(),
        color_from: color_from?.to_owned(),
        color_to: color_to?.to_owned(),
        category: category?,
        points,
        criteria_type: criteria_type?,
        criteria_value: criteria_value?,
        tracking_field: tracking_field?.to_owned(),
        requires_achievements: requires.into_iter().map(str::to_owned).collect(),
        is_secret,
        rarity: rarity?,
        order,
        is_active,
        available_from,
        available_until,
    })
}

/// The checks a retired definition (see
/// [`crate::ValidCatalog::with_retired`]) must still pass: those on its own
/// values, as [`read_definition`] makes them. The cross-reference checks do
/// not apply: what it names may have left the catalog with it. `true` when
/// nothing was wrong.
pub(crate) fn check_retired(path: &str, def: &Definition, diags: &mut Diagnostics) -> bool {
    let errors_before = diags.errors.len();
    let at = |field: &str| format!("{path}.{field}");
    if !is_valid_key(&def.key) {
        diags.error(at("key"), format!("`{}` is not a valid key (use lowercase letters, digits and `_`)", def.key));
    }
    for (field, value) in
        [("name", &def.name), ("icon", &def.icon), ("color_from", &def.color_from), ("color_to", &def.color_to)]
    {
        if value.trim().is_empty() {
            diags.error(at(field), "must not be empty");
        }
    }
    if def.tracking_field.is_empty() {
        diags.error(at("tracking_field"), "must not be empty");
    }
    if def.points < 0 {
        diags.error(at("points"), format!("must not be negative, got {}", def.points));
    }
    if def.criteria_value < 1 {
        diags.error(at("criteria_value"), format!("must be at least 1, got {}", def.criteria_value));
    }
    if let (Some(from), Some(until)) = (def.available_from, def.available_until)
        && from >= until
    {
        diags.error(
            at("available_until"),
            format!("the window must end after it starts ({from} is not before {until})"),
        );
    }
    diags.errors.len() == errors_before
}

fn non_empty<'v>(obj: &Object<'v>, field: &str, diags: &mut Diagnostics) -> Option<&'v str> {
    let s = obj.string(field, diags)?;
    if s.trim().is_empty() {
        diags.error(obj.at(field), "must not be empty");
        return None;
    }
    Some(s)
}

/// Values of the closed enums in [`crate::model`] that can be parsed by name.
trait WireEnum: Sized + Copy {
    fn parse_wire(text: &str) -> Option<Self>;
    fn expected() -> String;
}

macro_rules! impl_wire_enum {
    ($($t:ty),*) => {$(
        impl WireEnum for $t {
            fn parse_wire(text: &str) -> Option<Self> { <$t>::parse(text) }
            fn expected() -> String { <$t>::expected_list() }
        }
    )*};
}
impl_wire_enum!(Category, Rarity, CriteriaType);

fn read_enum<T: WireEnum>(obj: &Object<'_>, field: &str, what: &str, diags: &mut Diagnostics) -> Option<T> {
    let text = obj.string(field, diags)?;
    let parsed = T::parse_wire(text);
    if parsed.is_none() {
        diags.error(obj.at(field), format!("unknown {what} `{text}` (expected one of: {})", T::expected()));
    }
    parsed
}

fn read_timestamp(obj: &Object<'_>, field: &str, diags: &mut Diagnostics) -> Option<Timestamp> {
    let text = obj.opt_string(field, diags)?;
    match parse_instant(text) {
        Ok(ts) => Some(ts),
        Err(message) => {
            diags.error(obj.at(field), message);
            None
        }
    }
}

/// Parses an RFC 3339 instant (`2026-03-01T10:00:00Z`, offsets allowed).
///
/// # Errors
/// A message naming the text and the expected form.
pub fn parse_instant(text: &str) -> Result<Timestamp, String> {
    Timestamp::parse(text)
}

/// Cross-reference checks that need the whole catalog.
fn check_references(
    achievements: &[(String, Definition)],
    all_keys: &SortedMap<&str, usize>,
    placeholders: &[Placeholder],
    roles: &FieldRoles<'_>,
    points_field: Option<&str>,
    diags: &mut Diagnostics,
) {
    let index = key_index(achievements);
    for (path, def) in achievements {
        let field_path = format!("{path}.tracking_field");
        let role = roles
            .get(def.tracking_field.as_str())
            .map(|(role, _)| *role)
            .or_else(|| (points_field == Some(def.tracking_field.as_str())).then_some(FieldRole::Updated(Op::Add)));
        match role {
            None => diags.error(
                &field_path,
                format!("no event updates `{}`, so this achievement could never unlock", def.tracking_field),
            ),
            Some(role) => check_criteria_fits(path, def, role, diags),
        }

        for (i, required) in def.requires_achievements.iter().enumerate() {
            let req_path = format!("{path}.requires_achievements[{i}]");
            if *required == def.key {
                diags.error(req_path, "an achievement cannot require itself");
            } else if let Some(&other) = index.get(required.as_str()) {
                if !achievements[other].1.is_active {
                    diags.warning(
                        req_path,
                        format!("`{required}` is inactive, so only users who already earned it can unlock this"),
                    );
                }
            } else if !all_keys.contains_key(required.as_str()) && !placeholders.iter().any(|p| p.id == *required) {
                diags.error(req_path, format!("unknown achievement `{required}`"));
            }
        }
    }
    report_cycles(achievements, diags);
}

fn check_criteria_fits(path: &str, def: &Definition, role: FieldRole, diags: &mut Diagnostics) {
    let needs = match def.criteria_type {
        CriteriaType::FirstTime | CriteriaType::Count | CriteriaType::Cumulative => Some(Op::Add),
        CriteriaType::Streak => Some(Op::Streak),
        CriteriaType::Threshold => None,
    };
    if let Some(op) = needs.filter(|op| role != FieldRole::Updated(*op)) {
        diags.error(
            format!("{path}.criteria_type"),
            format!(
                "`{}` needs a field updated by `{op}`, but `{}` is {}",
                def.criteria_type,
                def.tracking_field,
                match role {
                    FieldRole::Updated(actual) => format!("updated by `{actual}`"),
                    FieldRole::Longest => "the longest run of a streak (use `threshold`)".to_owned(),
                }
            ),
        );
    }
}

/// Position in `achievements` by key (keys are unique among valid ones).
fn key_index(achievements: &[(String, Definition)]) -> SortedMap<&str, usize> {
    let mut index = SortedMap::new();
    for (i, (_, d)) in achievements.iter().enumerate() {
        index.insert(d.key.as_str(), i);
    }
    index
}

/// Reports each prerequisite cycle once, at the achievement that closes it.
fn report_cycles(achievements: &[(String, Definition)], diags: &mut Diagnostics) {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        Unvisited,
        InProgress,
        Done,
    }
    let index = key_index(achievements);
    let mut marks = vec![Mark::Unvisited; achievements.len()];
    let mut stack: Vec<usize> = Vec::new();

    fn visit(
        i: usize,
        achievements: &[(String, Definition)],
        index: &SortedMap<&str, usize>,
        marks: &mut [Mark],
        stack: &mut Vec<usize>,
        diags: &mut Diagnostics,
    ) {
        marks[i] = Mark::InProgress;
        stack.push(i);
        for required in &achievements[i].1.requires_achievements {
            let Some(&j) = index.get(required.as_str()) else { continue };
            if j == i {
                continue; // reported as "cannot require itself"
            }
            match marks[j] {
                Mark::Unvisited => visit(j, achievements, index, marks, stack, diags),
                Mark::InProgress => {
                    let start = stack.iter().position(|&s| s == j).unwrap_or(0);
                    let mut cycle: Vec<&str> = stack[start..].iter().map(|&s| achievements[s].1.key.as_str()).collect();
                    cycle.push(&achievements[j].1.key);
                    diags.error(
                        format!("{}.requires_achievements", achievements[i].0),
                        format!("prerequisites form a cycle: {}", cycle.join(" → ")),
                    );
                }
                Mark::Done => {}
            }
        }
        stack.pop();
        marks[i] = Mark::Done;
    }

    for i in 0..achievements.len() {
        if marks[i] == Mark::Unvisited {
            visit(i, achievements, &index, &mut marks, &mut stack, diags);
        }
    }
}
