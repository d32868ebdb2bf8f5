// The JS API as a page uses it: the plan's Achievement items, previews that
// change nothing, secrets masked by the public catalog, located validation
// errors identical to the core's (fixtures/invalid/*.expected), exact 64-bit
// integers, and JS Errors carrying the core's messages.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { test } from "node:test";
import { fixtures, jsonFiles, loadWasm, shippedCatalogPath, zoneTables } from "./support.mjs";

const api = await loadWasm();
const shippedText = readFileSync(shippedCatalogPath, "utf8");
const engine = new api.AchievementEngine(shippedText);
const NOW = "2026-03-10T12:00:00Z";

/** The plan's `Achievement` interface, section 6: every field it names, nothing else. */
const PLAN_FIELDS = [
  "key", "name", "description", "icon", "colorFrom", "colorTo", "category", "points",
  "isEarned", "earnedAt", "progress", "progressValue", "targetValue", "isSecret", "rarity",
];

/** What an item adds to the plan's fields when it has a window or a blocker other than progress. */
const WINDOW_FIELDS = ["availableFrom", "availableUntil", "window", "blockers"];

/** Applies events in order; returns the final StepResult-like `{state, unlocked}`. */
function play(eng, events, state = {}) {
  let unlocked = [];
  for (const event of events) {
    const step = eng.apply(state, event);
    state = step.state;
    unlocked = unlocked.concat(step.unlocked);
  }
  return { state, unlocked };
}

const logins = (days, from = 1) =>
  Array.from({ length: days }, (_, i) => ({
    type: "login",
    at: `2026-03-${String(from + i).padStart(2, "0")}T09:00:00Z`,
  }));

test("achievements() lists every definition as the plan's Achievement, in catalog order", () => {
  const catalog = JSON.parse(shippedText);
  const items = engine.achievements({}, NOW);
  assert.deepEqual(items.map((a) => a.key), catalog.achievements.map((d) => d.key));
  for (const item of items) {
    for (const field of Object.keys(item)) {
      assert.ok(PLAN_FIELDS.includes(field) || WINDOW_FIELDS.includes(field), `unexpected field ${field}`);
    }
  }
  const first = items.find((a) => a.key === "first_project");
  assert.deepEqual(first, {
    key: "first_project",
    name: "First Launch",
    description: catalog.achievements.find((d) => d.key === "first_project").description,
    icon: "faRocket",
    colorFrom: "blue-500",
    colorTo: "blue-600",
    category: "projects",
    points: 10,
    isEarned: false,
    progress: 0,
    progressValue: 0,
    targetValue: 1,
    isSecret: false,
    rarity: "common",
  });
});

test("progress reads the core's numbers: floor percent, earned = 100, earnedAt = the event's time", () => {
  const { state } = play(engine, [{ type: "project_created", value: 7, at: "2026-03-01T10:00:00Z" }]);
  const byKey = Object.fromEntries(engine.achievements(state, NOW).map((a) => [a.key, a]));
  assert.equal(byKey["10_projects"].progress, 70);
  assert.equal(byKey["10_projects"].progressValue, 7);
  assert.equal(byKey["25_projects"].progress, 28);
  assert.equal(byKey["5_projects"].isEarned, true);
  assert.equal(byKey["5_projects"].progress, 100);
  assert.equal(byKey["5_projects"].earnedAt, "2026-03-01T10:00:00Z");
  assert.equal(byKey["10_projects"].earnedAt, undefined);
  assert.deepEqual(engine.progress(state, "25_projects", NOW), { current: 7, target: 25, percent: 28, earned: false });
});

test("preview shows what an event would unlock, cascades included, and changes nothing", () => {
  const { state } = play(engine, logins(13));
  const before = structuredClone(state);
  const event = { type: "login", at: "2026-03-14T09:00:00Z" };
  const preview = engine.preview(state, event);
  assert.deepEqual(state, before);
  assert.deepEqual(preview.map((u) => u.key), ["unbroken", "100_points"]);
  assert.deepEqual(preview.map((u) => u.cause), ["event", "points"]);
  const applied = engine.apply(state, event);
  assert.deepEqual(applied.unlocked, preview);
  assert.deepEqual(state, before, "apply returns a new state and leaves its argument alone");
});

test("a refused event is an EventError with the core's message and code", () => {
  for (const method of ["apply", "preview"]) {
    assert.throws(
      () => engine[method]({}, { type: "project_created", value: -1, at: NOW }),
      (e) =>
        e instanceof Error &&
        e.name === "EventError" &&
        e.code === "negative_value" &&
        e.message === "value must not be negative for `add` field `project_count`, got -1",
    );
  }
});

test("evaluate awards retroactively with cause evaluation, and twice changes nothing", () => {
  const state = { stats: { project_count: 5, helpful_actions: 30 } };
  const first = engine.evaluate(state, NOW);
  assert.deepEqual(first.unlocked.map((u) => u.key).sort(), ["100_points", "5_projects", "first_project", "help_25", "help_5"]);
  assert.ok(first.unlocked.every((u) => u.cause === "evaluation" && u.earnedAt === "2026-03-10T12:00:00Z"));
  const second = engine.evaluate(first.state, NOW);
  assert.deepEqual(second.unlocked, []);
  assert.deepEqual(second.state, first.state);
});

/**
 * The public catalog as the server sends it (achievements/catalog/): secret
 * definitions replaced by `{id, category}` placeholders, references to them
 * rewritten (core's `Catalog::public_view`).
 */
function publicCatalog(catalog) {
  const ids = new Map();
  const secret_placeholders = catalog.achievements
    .filter((d) => d.is_secret)
    .map((d, i) => {
      ids.set(d.key, `secret-${i + 1}`);
      return { id: `secret-${i + 1}`, category: d.category };
    });
  const achievements = catalog.achievements
    .filter((d) => !d.is_secret)
    .map((d) => ({ ...d, requires_achievements: (d.requires_achievements ?? []).map((k) => ids.get(k) ?? k) }));
  return { ...catalog, achievements, secret_placeholders };
}

test("a public catalog's secrets are listed last as placeholders, with nothing but their category", () => {
  const publicEngine = new api.AchievementEngine(publicCatalog(JSON.parse(shippedText)));
  const items = publicEngine.achievements({}, NOW);
  const secret = items.at(-1);
  assert.deepEqual(secret, {
    key: "secret-1",
    name: "",
    description: "",
    icon: "",
    colorFrom: "",
    colorTo: "",
    category: "streaks",
    points: 0,
    isEarned: false,
    isSecret: true,
  });
  assert.ok(!publicEngine.keys().includes("unbroken"));
  // The server's me/ sends earned secrets under their placeholder id.
  const earned = { earned: { "secret-1": { earned_at: "2026-03-14T09:00:00Z", progress_at_unlock: 14, cause: "event" } } };
  const shown = publicEngine.achievements(earned, NOW).at(-1);
  assert.equal(shown.isEarned, true);
  assert.equal(shown.earnedAt, "2026-03-14T09:00:00Z");
  // Client-side, a placeholder never unlocks (only the server knows its rule)...
  const { state, unlocked } = play(publicEngine, logins(14));
  assert.ok(!unlocked.some((u) => u.key.startsWith("secret-")));
  // ...and a state that has it keeps it through apply.
  const after = publicEngine.apply({ ...state, ...earned }, { type: "login", at: "2026-03-15T09:00:00Z" }).state;
  assert.deepEqual(after.earned["secret-1"], earned.earned["secret-1"]);
});

test("a catalog object and its JSON text give the same engine", () => {
  const fromObject = new api.AchievementEngine(JSON.parse(shippedText));
  assert.deepEqual(fromObject.achievements({}, NOW), engine.achievements({}, NOW));
  assert.deepEqual(fromObject.eventTypes(), engine.eventTypes());
});

test("validateCatalog reports exactly the core's located errors for every invalid fixture", () => {
  const files = jsonFiles(join(fixtures, "invalid"));
  assert.ok(files.length >= 20);
  for (const file of files) {
    const text = readFileSync(file, "utf8");
    const expected = readFileSync(file.replace(/\.json$/, ".expected"), "utf8");
    const result = api.validateCatalog(text);
    const report =
      result.errors.map((d) => `${d.path}: ${d.message}\n`).join("") +
      result.warnings.map((d) => `warning: ${d.path}: ${d.message}\n`).join("");
    assert.equal(result.valid, false, basename(file));
    assert.equal(report, expected, basename(file));
    assert.throws(
      () => new api.AchievementEngine(text),
      (e) => e.name === "CatalogError" && e.code === "invalid_catalog" && e.errors.length === result.errors.length,
      basename(file),
    );
  }
});

test("validateCatalog accepts the shipped catalogs", () => {
  for (const file of [shippedCatalogPath, join(fixtures, "catalogs/winter-event.json")]) {
    const result = api.validateCatalog(readFileSync(file, "utf8"));
    assert.equal(result.valid, true, `${file}: ${JSON.stringify(result.errors)}`);
    assert.deepEqual(result.errors, []);
  }
});

test("integers beyond 2^53 cross the boundary exactly, as bigint", () => {
  const state = { stats: { project_count: 9223372036854775806n } };
  const { state: after } = engine.apply(state, { type: "project_created", value: 1n, at: NOW });
  assert.equal(after.stats.project_count, 9223372036854775807n);
  assert.equal(after.stats.total_points, 270);
  assert.equal(engine.progress(after, "50_projects", NOW).current, 9223372036854775807n);
  assert.throws(() => engine.apply(after, { type: "project_created", at: NOW }), (e) => e.code === "overflow");
  // Inputs outside the safe range must be bigints: a rounded number is refused.
  assert.throws(() => engine.normalizeState({ stats: { project_count: 2 ** 60 } }), (e) => e.name === "InputError");
});

test("instants may be Dates; a streak counts local days in the user's zone, given as a table", () => {
  const eng = new api.AchievementEngine(shippedText);
  // No time-zone database in the module: an IANA zone needs its table.
  assert.throws(
    () => eng.newState("America/New_York"),
    (e) => e.name === "StateError" && e.code === "unknown_time_zone" && /addTimeZone/.test(e.message),
  );
  const [table] = zoneTables(["America/New_York"]);
  eng.addTimeZone(table);
  const state = eng.newState("America/New_York");
  assert.equal(state.timezone, "America/New_York");
  // 03:00 UTC on the 2nd is still the 1st in New York: one local day, not two.
  const { state: after } = play(eng, [
    { type: "login", at: new Date("2026-03-01T15:00:00Z") },
    { type: "login", at: new Date("2026-03-02T03:00:00Z") },
  ], state);
  assert.deepEqual(after.streak_days, { current_streak: [["2026-03-01", "2026-03-01"]] });
  assert.equal(after.timezone, "America/New_York");
  assert.equal(eng.progress(after, "7_day_streak", new Date("2026-03-02T12:00:00Z")).current, 1);
});

test("fixed offsets need no table; a bad table is an InputError", () => {
  const { state } = play(engine, [{ type: "login", at: "2026-03-01T23:30:00Z" }], { timezone: "+01:00" });
  assert.deepEqual(state.streak_days, { current_streak: [["2026-03-02", "2026-03-02"]] });
  assert.throws(
    () => engine.addTimeZone({ name: "Bad/Zone", offset: 0, transitions: [[20, 3600], [10, 0]] }),
    (e) => e.name === "InputError" && /increasing order/.test(e.message),
  );
  assert.throws(() => engine.addTimeZone({ name: "Bad/Zone", offset: 0, extra: 1 }), (e) => e.name === "InputError");
});

test("explain says why a badge is locked, with the core's sentences", () => {
  const explanation = engine.explain({ stats: { battle_count: 30 } }, "battle_legend", NOW);
  assert.equal(explanation.key, "battle_legend");
  assert.equal(explanation.trackingField, "battle_count");
  assert.deepEqual(explanation.prerequisites, [
    { key: "5_battles", earned: false },
    { key: "10_wins", earned: false },
  ]);
  assert.deepEqual(explanation.blockers, [
    { kind: "requires", key: "5_battles", name: "Battle Tested", message: "requires 5_battles first" },
    { kind: "requires", key: "10_wins", name: "Battle Master", message: "requires 10_wins first" },
  ]);
  assert.match(explanation.text, /status: +locked/);
  assert.equal(explanation.criteria, engine.describeCriteria("battle_legend"));
});

test("items carry their window in the user's local days and the core's blockers other than progress", () => {
  const catalog = JSON.parse(shippedText);
  const welcome = catalog.achievements.find((d) => d.key === "first_login");
  const badge = (key, name, extra) => ({ ...welcome, key, name, ...extra });
  catalog.achievements.push(
    badge("june_jam", "June Jam", { available_from: "2026-06-01T00:00:00Z", available_until: "2026-06-09T00:00:00Z" }),
    badge("encore", "Encore", { requires_achievements: ["first_project"] }),
  );
  const eng = new api.AchievementEngine(catalog);
  const { state } = play(eng, [{ type: "login", at: "2026-05-20T09:00:00Z" }]);
  const item = (now, key) => eng.achievements(state, now).find((a) => a.key === key);

  const early = item("2026-05-25T12:00:00Z", "june_jam");
  assert.equal(early.availableFrom, "2026-06-01T00:00:00Z");
  assert.equal(early.availableUntil, "2026-06-09T00:00:00Z");
  assert.deepEqual(early.window, { status: "upcoming", startsOn: "2026-06-01" });
  assert.deepEqual(early.blockers, [
    { kind: "not_yet_available", from: "2026-06-01T00:00:00Z", message: "not available before 2026-06-01T00:00:00Z" },
  ]);
  // Open: June 5th, 3 days to its last day (the 8th); progress alone decides.
  const open = item("2026-06-05T12:00:00Z", "june_jam");
  assert.deepEqual(open.window, { status: "open", lastDay: "2026-06-08", daysLeft: 3 });
  assert.equal(open.blockers, undefined);
  // Closed in December: the value is at the target, and the window says why it is not earned.
  const closed = item("2026-12-02T12:00:00Z", "june_jam");
  assert.equal(closed.isEarned, false);
  assert.equal(closed.progressValue, 1);
  assert.deepEqual(closed.window, { status: "ended", lastDay: "2026-06-08" });
  assert.deepEqual(closed.blockers.map((b) => b.kind), ["window_closed"]);

  const encore = item("2026-12-02T12:00:00Z", "encore");
  assert.deepEqual(encore.blockers, [
    { kind: "requires", key: "first_project", name: "First Launch", message: "requires first_project first" },
  ]);
  assert.equal(encore.window, undefined);
  // Earned items and items blocked by progress alone carry neither.
  const welcomeItem = item("2026-12-02T12:00:00Z", "first_login");
  assert.equal(welcomeItem.blockers ?? welcomeItem.window, undefined);
  assert.equal(item("2026-12-02T12:00:00Z", "5_projects").blockers, undefined);
});

test("accessors: event types, tracking fields, keys, categories", () => {
  assert.ok(engine.eventTypes().includes("login"));
  assert.deepEqual(engine.eventTypes(), [...engine.eventTypes()].sort());
  assert.ok(engine.trackingFields().includes("max_streak"));
  assert.equal(engine.keys().length, JSON.parse(shippedText).achievements.length);
  assert.deepEqual(api.categories().map((c) => c.id), ["projects", "battles", "community", "engagement", "streaks", "milestones"]);
  assert.equal(api.categories()[0].title, "Projects");
  assert.deepEqual(engine.warnings, []);
});

test("a state object changed between calls is read afresh (states are compared by content)", () => {
  const state = { stats: { project_count: 1 } };
  assert.equal(engine.progress(state, "5_projects", NOW).current, 1);
  assert.equal(engine.progress(state, "5_projects", NOW).current, 1);
  state.stats.project_count = 4;
  assert.equal(engine.progress(state, "5_projects", NOW).current, 4);
  assert.equal(engine.achievements(state, NOW).find((a) => a.key === "5_projects").progressValue, 4);
  state.timezone = "Mars/Olympus";
  assert.throws(() => engine.progress(state, "5_projects", NOW), (e) => e.code === "unknown_time_zone");
});
