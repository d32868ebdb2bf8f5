// Runs a rule scenario (fixtures/README.md, issue 2) through the WASM
// module's public JS API: the same catalog, events and unlocks as the native
// runner (`achievements rules test`), checked the same way. Returns the
// failures as strings; an empty list means the scenario passed.
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { needsTable, parseJson, sameInt, shippedCatalogPath, zoneTables } from "./support.mjs";

const SCENARIO_FIELDS = ["name", "catalog", "timezone", "initial_stats", "initial_earned", "steps", "expect"];
const STEP_FIELDS = ["event", "evaluate", "at", "value", "unlocks", "rejected"];
const EXPECT_FIELDS = ["now", "earned", "stats", "progress"];

/** One engine per catalog file, as the native runner builds one per file. */
function engineCache(api) {
  const engines = new Map();
  return (path) => {
    if (!engines.has(path)) engines.set(path, new api.AchievementEngine(readFileSync(path, "utf8")));
    return engines.get(path);
  };
}

function setDifference(what, expected, got) {
  const e = [...new Set(expected)].sort();
  const g = [...new Set(got)].sort();
  if (e.length === g.length && e.every((k, i) => k === g[i])) return null;
  const missing = e.filter((k) => !g.includes(k));
  const unexpected = g.filter((k) => !e.includes(k));
  const detail = [];
  if (missing.length) detail.push(`missing [${missing.join(", ")}]`);
  if (unexpected.length) detail.push(`unexpected [${unexpected.join(", ")}]`);
  return `${what}: expected [${e.join(", ")}], got [${g.join(", ")}] (${detail.join("; ")})`;
}

function unknownFields(object, allowed, path) {
  return Object.keys(object)
    .filter((k) => !allowed.includes(k))
    .map((k) => `${path}${path ? "." : ""}${k}: unknown field`);
}

/** Loads a scenario file: `{name, scenario}` (scenario is null if unreadable). */
export function readScenario(file) {
  const text = readFileSync(file, "utf8");
  let scenario = null;
  try {
    scenario = parseJson(text);
  } catch {
    // reported by runScenario
  }
  // Like the native runner: the scenario's name, else the path as given.
  const name = typeof scenario?.name === "string" ? scenario.name : file;
  return { name, scenario };
}

/** Runs one scenario file; returns `{name, failures}`. */
export function runScenarioFile(api, file, engines = engineCache(api)) {
  const { name, scenario } = readScenario(file);
  if (scenario === null || typeof scenario !== "object" || Array.isArray(scenario)) {
    return { name, failures: ["not a JSON object"] };
  }
  const failures = [];
  failures.push(...unknownFields(scenario, SCENARIO_FIELDS, ""));
  const steps = Array.isArray(scenario.steps) ? scenario.steps : [];
  steps.forEach((s, i) => failures.push(...unknownFields(s, STEP_FIELDS, `steps[${i}]`)));
  failures.push(...unknownFields(scenario.expect ?? {}, EXPECT_FIELDS, "expect"));
  if (failures.length) return { name, failures };

  const catalogPath = scenario.catalog ? resolve(dirname(file), scenario.catalog) : shippedCatalogPath;
  let engine;
  try {
    engine = engines(catalogPath);
  } catch (e) {
    return { name, failures: [`catalog ${scenario.catalog}: ${e.message}`] };
  }

  // The module has no time-zone database: hand it the zone's table, as the
  // page does with the server's `zone_table`.
  if (needsTable(scenario.timezone)) {
    try {
      for (const table of zoneTables([scenario.timezone])) engine.addTimeZone(table);
    } catch (e) {
      return { name, failures: [`timezone: ${e.message}`] };
    }
  }

  // Initial state, taken literally: counters set, achievements granted
  // (dated at the first step, like the native runner), nothing credited.
  const fields = engine.trackingFields();
  const keys = engine.keys();
  for (const field of Object.keys(scenario.initial_stats ?? {})) {
    if (!fields.includes(field)) failures.push(`initial_stats.${field}: no event updates \`${field}\` in this catalog`);
  }
  for (const key of scenario.initial_earned ?? []) {
    if (!keys.includes(key)) failures.push(`initial_earned: unknown achievement \`${key}\``);
  }
  if (failures.length) return { name, failures };
  const grantedAt = steps[0]?.at ?? "1970-01-01T00:00:00Z";
  let state;
  try {
    state = engine.normalizeState({
      timezone: scenario.timezone ?? "UTC",
      stats: scenario.initial_stats ?? {},
      earned: Object.fromEntries(
        (scenario.initial_earned ?? []).map((key) => [
          key,
          { earned_at: grantedAt, progress_at_unlock: 0, cause: "granted" },
        ]),
      ),
    });
  } catch (e) {
    return { name, failures: [`initial state: ${e.message}`] };
  }

  steps.forEach((step, i) => {
    const label = `step ${i + 1} (${step.evaluate ? "evaluate" : step.event} at ${step.at})`;
    let result;
    let refused = null;
    if (step.evaluate) {
      result = engine.evaluate(state, step.at);
    } else {
      const event = { type: step.event, value: step.value, at: step.at };
      // The preview must say exactly what applying will do.
      let preview = null;
      let previewRefused = null;
      try {
        preview = engine.preview(state, event).map((u) => u.key);
      } catch (e) {
        previewRefused = e;
      }
      try {
        result = engine.apply(state, event);
      } catch (e) {
        refused = e;
      }
      if (refused && refused.name !== "EventError") {
        failures.push(`${label}: expected an EventError, got ${refused.name}: ${refused.message}`);
      }
      if ((previewRefused === null) !== (refused === null)) {
        failures.push(`${label}: preview and apply disagree on refusing the event`);
      } else if (refused && previewRefused.message !== refused.message) {
        failures.push(`${label}: preview refused with "${previewRefused.message}", apply with "${refused.message}"`);
      } else if (result) {
        const applied = result.unlocked.map((u) => u.key);
        if (preview.join() !== applied.join()) {
          failures.push(`${label}: preview [${preview.join(", ")}] differs from apply [${applied.join(", ")}]`);
        }
      }
    }
    if (refused && !step.rejected) {
      failures.push(`${label}: expected the event to be applied, got rejected: ${refused.message}`);
    } else if (!refused && step.rejected) {
      const unlocked = result.unlocked.map((u) => u.key);
      failures.push(`${label}: expected the event to be rejected, got applied (unlocked [${unlocked.join(", ")}])`);
    } else if (!refused) {
      for (const u of result.unlocked) {
        if (!sameInstant(u.earnedAt, step.at)) {
          failures.push(`${label}: ${u.key} earned at ${u.earnedAt}, not at the step's time`);
        }
      }
      if (step.unlocks) {
        const diff = setDifference("unlocks", step.unlocks, result.unlocked.map((u) => u.key));
        if (diff) failures.push(`${label}: ${diff}`);
      }
      state = result.state;
    }
  });

  const expect = scenario.expect ?? {};
  const now = expect.now ?? steps.at(-1)?.at ?? "1970-01-01T00:00:00Z";
  if (expect.earned) {
    const diff = setDifference("expect.earned", expect.earned, Object.keys(state.earned));
    if (diff) failures.push(diff);
  }
  for (const [field, expected] of Object.entries(expect.stats ?? {})) {
    if (!fields.includes(field)) {
      failures.push(`expect.stats.${field}: no such field in the catalog`);
      continue;
    }
    const got = state.stats[field] ?? 0;
    if (!sameInt(got, expected)) failures.push(`expect.stats.${field}: expected ${expected}, got ${got}`);
  }
  const items = new Map(engine.achievements(state, now).map((a) => [a.key, a]));
  for (const [key, expected] of Object.entries(expect.progress ?? {})) {
    let got;
    try {
      got = engine.progress(state, key, now);
    } catch (e) {
      failures.push(`expect.progress.${key}: ${e.message}`);
      continue;
    }
    for (const part of ["current", "target", "percent"]) {
      if (expected[part] !== undefined && !sameInt(got[part], expected[part])) {
        failures.push(`expect.progress.${key}.${part}: expected ${expected[part]}, got ${got[part]}`);
      }
    }
    if (expected.earned !== undefined && got.earned !== expected.earned) {
      failures.push(`expect.progress.${key}.earned: expected ${expected.earned}, got ${got.earned}`);
    }
    // The listing the page shows must read the same numbers.
    const item = items.get(key);
    if (
      !item ||
      item.progress !== got.percent ||
      item.isEarned !== got.earned ||
      item.progressValue !== Number(got.current) ||
      item.targetValue !== Number(got.target)
    ) {
      failures.push(`expect.progress.${key}: achievements() disagrees with progress(): ${JSON.stringify(item)}`);
    }
  }
  return { name, failures };
}

function sameInstant(a, b) {
  return new Date(a).getTime() === new Date(b).getTime();
}
