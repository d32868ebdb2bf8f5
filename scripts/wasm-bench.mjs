#!/usr/bin/env node
// Benchmarks the WASM module in Node (V8, the engine Chromium uses):
//   - size of the .wasm, raw and gzip -9;
//   - start-up: compile + instantiate the module, then build an engine from
//     the shipped catalog and list it, each measured in a fresh process
//     (median of N; V8 compiles wasm functions lazily, on their first call,
//     so the first engine and the first listing include compiling them);
//   - listing 1,000 achievements with progress (`engine.achievements`) for a
//     synthetic catalog of 1,000 definitions over 50 fields;
//   - for scale: preview and apply of one event with the shipped catalog.
// Build first (scripts/wasm-build.sh). Usage:
//   node scripts/wasm-bench.mjs [--runs N] [--json]
// WASM_PKG picks another package folder (default wasm/pkg).
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath, pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const pkg = resolve(process.env.WASM_PKG ?? join(root, "wasm/pkg"));
const wasmPath = join(pkg, "achievements_wasm_bg.wasm");
const shippedText = readFileSync(join(root, "fixtures/achievements.json"), "utf8");
const args = process.argv.slice(2);
const runs = Number(args[args.indexOf("--runs") + 1]) || 20;

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const ms = (x) => Math.round(x * 1000) / 1000;

/** One cold start in this process: what a page pays once. */
async function startOnce() {
  const t0 = performance.now();
  const bytes = readFileSync(wasmPath);
  const t1 = performance.now();
  const api = await import(pathToFileURL(join(pkg, "achievements_wasm.js")).href);
  const t2 = performance.now();
  api.initSync({ module: bytes });
  const t3 = performance.now();
  const engine = new api.AchievementEngine(shippedText);
  const t4 = performance.now();
  engine.achievements({}, "2026-03-01T00:00:00Z");
  const t5 = performance.now();
  return { read: t1 - t0, importGlue: t2 - t1, instantiate: t3 - t2, engine: t4 - t3, firstListing: t5 - t4, total: t5 - t0 };
}

if (args.includes("--start-once")) {
  console.log(JSON.stringify(await startOnce()));
  process.exit(0);
}

/** A catalog of `n` definitions over `fields` add-fields, like core's benchmark. */
function syntheticCatalog(n, fields) {
  const events = {};
  for (let f = 0; f < fields; f++) events[`event_${f}`] = [{ field: `field_${f}`, op: "add" }];
  const categories = ["projects", "battles", "community", "engagement", "streaks", "milestones"];
  const rarities = ["common", "rare", "epic", "legendary"];
  const achievements = Array.from({ length: n }, (_, i) => ({
    key: `badge_${i}`,
    name: `Badge ${i}`,
    description: `Reach ${(i % 20) + 1} on field ${i % fields}`,
    icon: "faStar",
    color_from: "blue-500",
    color_to: "blue-600",
    category: categories[i % categories.length],
    points: 10,
    criteria_type: "count",
    criteria_value: ((i * 7) % 100) + 1,
    tracking_field: `field_${i % fields}`,
    rarity: rarities[i % rarities.length],
    order: i,
  }));
  return { version: 1, points_field: "points", events, achievements };
}

function time(fn, minMs = 500) {
  for (let i = 0; i < 20; i++) fn(); // warm-up (JIT, allocator)
  const samples = [];
  const start = performance.now();
  while (performance.now() - start < minMs || samples.length < 50) {
    const t = performance.now();
    fn();
    samples.push(performance.now() - t);
  }
  return { median: median(samples), mean: samples.reduce((a, b) => a + b, 0) / samples.length, runs: samples.length };
}

const bytes = readFileSync(wasmPath);
// The budget is `gzip -9`; zlib at level 9 differs by a few hundred bytes.
const gzipCli = spawnSync("gzip", ["-9", "-c", wasmPath], { maxBuffer: 1 << 26 });
const size = {
  raw: bytes.length,
  gzip9: gzipCli.status === 0 ? gzipCli.stdout.length : gzipSync(bytes, { level: 9 }).length,
  gzipTool: gzipCli.status === 0 ? "gzip -9" : "zlib level 9",
};

const starts = [];
for (let i = 0; i < runs; i++) {
  const run = spawnSync(process.execPath, [fileURLToPath(import.meta.url), "--start-once"], {
    encoding: "utf8",
    env: process.env,
  });
  if (run.status !== 0) throw new Error(`start-up run failed:\n${run.stderr}`);
  starts.push(JSON.parse(run.stdout));
}
const startup = Object.fromEntries(Object.keys(starts[0]).map((k) => [k, ms(median(starts.map((s) => s[k])))]));

const api = await import(pathToFileURL(join(pkg, "achievements_wasm.js")).href);
api.initSync({ module: bytes });

const big = syntheticCatalog(1000, 50);
const bigText = JSON.stringify(big);
const bigEngine = new api.AchievementEngine(bigText);
let bigState = {};
for (let f = 0; f < 50; f++) {
  bigState = bigEngine.apply(bigState, { type: `event_${f}`, value: f + 1, at: "2026-03-01T10:00:00Z" }).state;
}
// A second state (one more project) so that alternating the two makes every
// call read its state afresh (the engine remembers the last state it read).
const otherState = bigEngine.apply(bigState, { type: "event_0", at: "2026-03-01T11:00:00Z" }).state;
const now = "2026-03-02T00:00:00Z";
const items = bigEngine.achievements(bigState, now);
if (items.length !== 1000) throw new Error(`expected 1000 items, got ${items.length}`);
const earned = items.filter((a) => a.isEarned).length;

const shipped = new api.AchievementEngine(shippedText);
let shippedState = {};
for (let d = 1; d <= 9; d++) {
  shippedState = shipped.apply(shippedState, { type: "login", at: `2026-03-0${d}T09:00:00Z` }).state;
}
shippedState = shipped.apply(shippedState, { type: "project_created", value: 3, at: "2026-03-09T10:00:00Z" }).state;
const event = { type: "project_created", at: "2026-03-09T11:00:00Z" };

const results = {
  node: process.version,
  wasm: { path: wasmPath, ...size },
  startup_ms_median_of: runs,
  startup_ms: startup,
  list_1000_ms: time(() => bigEngine.achievements(bigState, now)),
  list_1000_new_state_ms: (() => {
    let flip = false;
    return time(() => bigEngine.achievements((flip = !flip) ? bigState : otherState, now));
  })(),
  list_1000_earned: earned,
  engine_1000_ms: time(() => new api.AchievementEngine(bigText).free(), 300),
  engine_shipped_ms: time(() => new api.AchievementEngine(shippedText).free(), 300),
  list_shipped_ms: time(() => shipped.achievements(shippedState, now)),
  preview_shipped_ms: time(() => shipped.preview(shippedState, event)),
  apply_shipped_ms: time(() => shipped.apply(shippedState, event)),
};

if (args.includes("--json")) {
  console.log(JSON.stringify(results, null, 2));
} else {
  const f = (t) => `${ms(t.median)} ms median (${ms(t.mean)} mean, ${t.runs} runs)`;
  console.log(`node ${results.node}`);
  console.log(`wasm: ${size.raw} bytes, ${size.gzip9} gzipped (${size.gzipTool})  ${wasmPath}`);
  console.log(`start-up (fresh process, median of ${runs}):`);
  for (const [k, v] of Object.entries(startup)) console.log(`  ${k.padEnd(13)} ${v} ms`);
  console.log(`list 1,000 achievements with progress, same state: ${f(results.list_1000_ms)} (${earned} earned)`);
  console.log(`list 1,000 achievements with progress, new state:  ${f(results.list_1000_new_state_ms)}`);
  console.log(`engine from a 1,000-definition catalog: ${f(results.engine_1000_ms)}`);
  console.log(`engine from the shipped catalog (warm): ${f(results.engine_shipped_ms)}`);
  console.log(`list the shipped catalog (${shipped.keys().length}): ${f(results.list_shipped_ms)}`);
  console.log(`preview one event (shipped):  ${f(results.preview_shipped_ms)}`);
  console.log(`apply one event (shipped):    ${f(results.apply_shipped_ms)}`);
}
