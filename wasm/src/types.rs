//! The TypeScript types that no serde derive can express, emitted into the
//! generated `.d.ts` beside those tsify generates from the derives.
//!
//! Every other type of the API (`Achievement`, `StateSnapshot`, `Progress`,
//! `Unlock`, …) is generated from its serde derive, in the core or in
//! `convert/`. What stays here: `Int64` and `Instant` (unions of JS types
//! that serde-wasm-bindgen reads and writes), `StateInput` (a `Partial` of a
//! derive), the catalog file format (read by the core's own located-error
//! loader, not a derive), and the thrown errors (JS `Error`s). Methods name
//! these types with `unchecked_param_type` / `unchecked_return_type`, so the
//! public API has no `any`; `wasm/tests/ts/usage.ts` type-checks real use
//! of them with `tsc --noEmit`.

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

/** A state as input: every part is optional (an empty object is a fresh state in UTC). */
export type StateInput = Partial<StateSnapshot>;

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
