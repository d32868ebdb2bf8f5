//! The TypeScript types of the JS API, emitted into the generated `.d.ts`.
//!
//! Methods name these types with `unchecked_param_type` /
//! `unchecked_return_type`, so the public API has no `any`. The shapes are
//! the serde derives in `convert/answers.rs` and the core (outputs) and the core's wire formats (inputs);
//! `wasm/tests/ts/usage.ts` type-checks real use of them with `tsc --noEmit`.

use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &str = r#"
/**
 * A 64-bit signed integer. Outputs are a `number` when the value is a safe
 * integer (|n| ≤ 2^53 − 1, every realistic counter) and a `bigint` beyond,
 * so values round-trip exactly. Inputs accept either.
 */
export type Int64 = number | bigint;

/** An instant: RFC 3339 text such as `"2026-03-01T10:00:00Z"`, or a `Date`. */
export type Instant = string | Date;

export type Category = "projects" | "battles" | "community" | "engagement" | "streaks" | "milestones";
export type Rarity = "common" | "rare" | "epic" | "legendary";
export type CriteriaType = "count" | "threshold" | "streak" | "first_time" | "cumulative";
export type Op = "add" | "set" | "max" | "streak";
/** Why an achievement unlocked (`granted`: given by an initial or imported state). */
export type Cause = "event" | "points" | "prerequisite" | "evaluation" | "granted";

/**
 * One achievement for one user: the plan's `Achievement` interface
 * (section 6), with `category` and `rarity` narrowed to their values.
 * `progress` is a percentage (0–100, 100 once earned), `progressValue` the
 * tracked value (the current run for streak badges), `targetValue` the
 * target. A secret known only as a placeholder has `isSecret: true`, its
 * placeholder id as `key`, empty texts, `points: 0` and no progress.
 *
 * A time-limited achievement has `availableFrom` / `availableUntil` (RFC
 * 3339; `availableUntil` is exclusive) and, while unearned, its `window` in
 * the user's local days. An unearned achievement that something other than
 * progress blocks (a window, a missing prerequisite, a retired definition)
 * has the core's `blockers` — show those instead of a full bar.
 */
export interface Achievement {
  key: string;
  name: string;
  description: string;
  icon: string;
  colorFrom: string;
  colorTo: string;
  category: Category;
  points: number;
  isEarned: boolean;
  earnedAt?: string;
  progress?: number;
  progressValue?: number;
  targetValue?: number;
  isSecret?: boolean;
  rarity?: Rarity;
  availableFrom?: string;
  availableUntil?: string;
  window?: LocalWindow;
  blockers?: Blocker[];
}

/**
 * A time window as a person reads it, in the user's local days (dates
 * `YYYY-MM-DD`): not open yet (it opens on `startsOn`), open (`lastDay` is
 * its last day, `daysLeft` the days from today to it, 0 on the last day;
 * both absent when it never closes), or ended (`lastDay` was its last day).
 */
export type LocalWindow =
  | { status: "upcoming"; startsOn: string }
  | { status: "open"; lastDay?: string; daysLeft?: number }
  | { status: "ended"; lastDay: string };

/** The core's `Progress`: percent = floor(100 × current / target), capped at 100; 100 once earned. */
export interface Progress {
  current: Int64;
  target: Int64;
  percent: number;
  earned: boolean;
}

/** Something a user did. `value` defaults to 1 for `add` effects; `set` and `max` need it. */
export interface AchievementEvent {
  type: string;
  value?: Int64 | null;
  at: Instant;
}

/** One achievement earned by a step. `earnedAt` is the event's time, not the clock. */
export interface Unlock {
  key: string;
  earnedAt: string;
  progressAtUnlock: Int64;
  cause: Cause;
}

/** An earned achievement inside a state snapshot (wire shape, snake_case). */
export interface EarnedRecord {
  earned_at: string;
  progress_at_unlock: Int64;
  cause: Cause;
}

/**
 * A user's state: the core's `StateSnapshot` wire shape (snake_case, as the
 * server stores and sends it). Streak fields derive from `streak_days`
 * (inclusive local-date ranges `["2026-03-01", "2026-03-07"]`); fields and
 * keys the catalog does not know are kept and written back unchanged.
 */
export interface StateSnapshot {
  /** Time zone name (IANA, `UTC` or `+05:30`); decides what a "day" is for streaks. */
  timezone: string;
  /** Counters by tracking field; a missing field reads 0. */
  stats: Record<string, Int64>;
  streak_days: Record<string, Array<[string, string]>>;
  earned: Record<string, EarnedRecord>;
}

/**
 * A time zone as offsets (seconds east of UTC): `offset` until the first
 * transition, then each `[unixSeconds, offset]` from its instant on. The
 * server sends the user's as `zone_table` in `GET me/`; give it to
 * `engine.addTimeZone` (the module has no time-zone database).
 */
export interface ZoneTable {
  name: string;
  offset: number;
  transitions?: Array<[number, number]>;
}

/** A state as input: every part is optional (an empty object is a fresh state in UTC). */
export type StateInput = Partial<StateSnapshot>;

/** What `apply` and `evaluate` return: the new state and the unlocks, in the order they happened. */
export interface StepResult {
  state: StateSnapshot;
  unlocked: Unlock[];
}

/** A located problem: a JSON path (0-based indexes) or `line L, column C`, and what is wrong. */
export interface Diagnostic {
  path: string;
  message: string;
}

export interface ValidationResult {
  valid: boolean;
  errors: Diagnostic[];
  warnings: Diagnostic[];
}

export interface CategoryInfo {
  id: Category;
  title: string;
}

/**
 * One reason an achievement cannot unlock now (the API's `blockers` shape),
 * with the core's sentence. `requires` is one missing prerequisite: its key
 * (a placeholder id for a secret) and its name (`null` for a secret).
 * `below_target.value` is the value progress shows (the run as of now, for
 * streaks).
 */
export type Blocker =
  | { kind: "inactive"; message: string }
  | { kind: "not_yet_available"; from: string; message: string }
  | { kind: "window_closed"; until: string; message: string }
  | { kind: "requires"; key: string; name: string | null; message: string }
  | { kind: "below_target"; value: Int64; target: Int64; message: string };

/** Everything that decides one achievement for one user at one moment. */
export interface Explanation {
  key: string;
  name: string;
  /** The condition in words, e.g. "project count ≥ 5". */
  criteria: string;
  trackingField: string;
  /** The tracked value as progress reads it (the run as of now, for streak badges). */
  value: Int64;
  target: Int64;
  active: boolean;
  availableFrom?: string;
  availableUntil?: string;
  prerequisites: Array<{ key: string; earned: boolean }>;
  earned?: { earnedAt: string; progressAtUnlock: Int64; cause: Cause };
  /** Empty when earned, or when every condition holds. */
  blockers: Blocker[];
  progress: Progress;
  /** The whole explanation as the CLI prints it. */
  text: string;
}

/** One effect of an event type in a catalog file. */
export interface EffectSpec {
  field: string;
  op: Op;
  longest_field?: string;
}

/** One achievement definition in a catalog file (snake_case, as in `fixtures/achievements.json`). */
export interface AchievementDefinition {
  key: string;
  name: string;
  description: string;
  icon: string;
  color_from: string;
  color_to: string;
  category: Category;
  points?: number;
  criteria_type: CriteriaType;
  criteria_value: number;
  tracking_field: string;
  requires_achievements?: string[];
  is_secret?: boolean;
  rarity?: Rarity;
  order?: number;
  is_active?: boolean;
  available_from?: string | null;
  available_until?: string | null;
}

/** A secret definition as a public catalog shows it. */
export interface SecretPlaceholder {
  id: string;
  category: Category;
}

/** A catalog as an object: the catalog file format (or the server's public catalog). */
export interface CatalogFile {
  version: number;
  points_field?: string;
  events: Record<string, EffectSpec[]>;
  achievements: AchievementDefinition[];
  secret_placeholders?: SecretPlaceholder[];
}

/**
 * What every method throws: a JS `Error` whose `message` is the core's.
 * `CatalogError` (invalid catalog; `errors`/`warnings` located),
 * `EventError` (the event was refused, nothing changed; `code` is the core's:
 * `unknown_event_type`, `negative_value`, `overflow`, `missing_value`,
 * `day_out_of_range`),
 * `StateError` (e.g. `unknown_time_zone`), `InputError` (an argument of the
 * wrong shape, `invalid_argument`; or an unknown key, `unknown_achievement`).
 */
export interface AchievementsError extends Error {
  name: "CatalogError" | "EventError" | "StateError" | "InputError";
  code: string;
}

export interface CatalogError extends AchievementsError {
  name: "CatalogError";
  code: "invalid_catalog";
  errors: Diagnostic[];
  warnings: Diagnostic[];
}
"#;
