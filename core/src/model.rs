//! The catalog's vocabulary: categories, rarities, criteria types, field
//! operations and the achievement definition itself.
//!
//! These are plain data. Loading them from JSON (with located errors) lives in
//! [`crate::load`]; what they mean at run time lives in [`crate::engine`].

use crate::sorted_map::SortedMap;
use crate::time::Instant as Timestamp;
use serde::Serialize;

/// Generates a closed string enum with its wire names, a parser and `Display`.
/// Every closed set of names on the wire (here and `state::Cause`) is declared
/// with it, so each has one list of names: `ALL`, `parse` and serde agree.
macro_rules! wire_enum {
    ($(#[$meta:meta])* $name:ident ($noun:literal) { $($(#[$vmeta:meta])* $variant:ident = $wire:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
        #[cfg_attr(feature = "ts", derive(tsify::Tsify))]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $wire)] $variant),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The name used in catalog files and on the wire.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $wire),+ }
            }

            /// Parses a wire name; `None` when it is not one of [`Self::ALL`].
            pub fn parse(text: &str) -> Option<Self> {
                match text { $($wire => Some($name::$variant),)+ _ => None }
            }

            /// The wire names joined for error messages (`a, b, c`).
            pub fn expected_list() -> String {
                Self::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>().join(", ")
            }
        }

        /// Read by [`Self::parse`], so an unknown name is refused in the
        /// words the catalog loader uses (`unknown cause `luck` (expected one
        /// of: …)`), whoever reads it.
        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
                Self::parse(&text).ok_or_else(|| {
                    serde::de::Error::custom(format_args!(
                        "unknown {} `{text}` (expected one of: {})",
                        $noun,
                        Self::expected_list()
                    ))
                })
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

pub(crate) use wire_enum;

wire_enum! {
    /// Where a badge is shown. The plan's list plus `milestones`, which its
    /// definitions use (see the design card).
    Category ("category") {
        Projects = "projects",
        Battles = "battles",
        Community = "community",
        Engagement = "engagement",
        Streaks = "streaks",
        Milestones = "milestones",
    }
}

impl Category {
    /// Human title of the category ("Projects").
    pub fn title(self) -> &'static str {
        match self {
            Category::Projects => "Projects",
            Category::Battles => "Battles",
            Category::Community => "Community",
            Category::Engagement => "Engagement",
            Category::Streaks => "Streaks",
            Category::Milestones => "Milestones",
        }
    }
}

wire_enum! {
    /// How rare a badge is meant to be; purely presentational.
    Rarity ("rarity") {
        Common = "common",
        Rare = "rare",
        Epic = "epic",
        Legendary = "legendary",
    }
}

wire_enum! {
    /// The plan's five criteria types. They share one comparison (tracked value
    /// ≥ `criteria_value`); they differ in which fields they may track and, for
    /// `streak`, in reading the longest run instead of the field's value.
    CriteriaType ("criteria type") {
        Count = "count",
        Threshold = "threshold",
        Streak = "streak",
        FirstTime = "first_time",
        Cumulative = "cumulative",
    }
}

wire_enum! {
    /// What an event does to a tracked field.
    Op ("op") {
        /// `field += value`; the value must be ≥ 0 and must not overflow.
        Add = "add",
        /// `field = value`: a gauge that may go down.
        Set = "set",
        /// `field = max(field, value)`.
        Max = "max",
        /// Records the event's local day; the field reads the current run.
        Streak = "streak",
    }
}

/// One effect of an event type on one field.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Effect {
    /// The tracking field it updates.
    pub field: String,
    /// How it updates it.
    pub op: Op,
    /// For `streak` effects: a field that holds the longest run ever.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub longest_field: Option<String>,
}

/// One achievement, exactly the plan's `Achievement` model plus an optional
/// availability window for time-limited badges.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Definition {
    /// Unique, `[a-z0-9_]+`, stable forever (storage refers to it).
    pub key: String,
    pub name: String,
    pub description: String,
    /// FontAwesome icon name, e.g. `faRocket`.
    pub icon: String,
    /// Tailwind colour token of the gradient start, e.g. `blue-500`.
    pub color_from: String,
    /// Tailwind colour token of the gradient end.
    pub color_to: String,
    pub category: Category,
    /// Added to the catalog's points field when earned.
    pub points: i64,
    pub criteria_type: CriteriaType,
    /// The target; at least 1.
    pub criteria_value: i64,
    pub tracking_field: String,
    /// Keys (or secret placeholder ids) that must be earned first.
    pub requires_achievements: Vec<String>,
    /// Hidden until earned; the adapters enforce that, see [`crate::public_view`].
    pub is_secret: bool,
    pub rarity: Rarity,
    /// Display order within its category.
    pub order: i64,
    /// Inactive achievements never unlock; earned ones stay earned.
    pub is_active: bool,
    /// Inclusive start of the availability window.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub available_from: Option<Timestamp>,
    /// Exclusive end of the availability window.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub available_until: Option<Timestamp>,
}

/// What a client may know of a secret achievement it has not earned: that it
/// exists and where it is shown, nothing else. It never unlocks client-side,
/// but definitions that require it still validate.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Placeholder {
    /// Opaque id (`secret-1`, …); never a valid achievement key.
    pub id: String,
    pub category: Category,
}

/// A catalog: the file format of `fixtures/achievements.json`.
///
/// Plain data, valid or not. [`crate::load::load_catalog`] reads and
/// validates one into a [`crate::ValidCatalog`], the only kind
/// [`crate::Engine::new`] turns into something that runs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Catalog {
    /// Format version; always 1.
    pub version: u32,
    /// The `add` field that earned points are credited to, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub points_field: Option<String>,
    /// Event type → its effects, in order.
    pub events: SortedMap<String, Vec<Effect>>,
    /// Every definition, in catalog order (ties in unlock order follow it).
    pub achievements: Vec<Definition>,
    /// Placeholders standing in for secret definitions (client views only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub secret_placeholders: Vec<Placeholder>,
}

impl Catalog {
    /// The definition with this key, if any.
    pub fn definition(&self, key: &str) -> Option<&Definition> {
        self.achievements.iter().find(|d| d.key == key)
    }

    /// The catalog in its JSON file format (pretty-printed).
    pub fn to_json_pretty(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| unreachable!("catalog serializes: {e}"))
    }
}

/// `true` when `key` is a valid achievement key: non-empty `[a-z0-9_]+`.
pub fn is_valid_key(key: &str) -> bool {
    !key.is_empty() && key.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}
