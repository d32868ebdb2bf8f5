// Browser benchmark (bench.html): module start-up and listing 1,000
// achievements with progress, in whatever browser opens it. The end-to-end
// test reads `window.__bench` and records the figures in BENCHMARKS.md.
import init, { AchievementEngine, type CatalogFile, type StateInput } from "../../wasm/pkg/achievements_wasm.js";
import { sectionHtml } from "./render.ts";

function syntheticCatalog(n: number, fields: number): CatalogFile {
  const events: CatalogFile["events"] = {};
  for (let f = 0; f < fields; f++) events[`event_${f}`] = [{ field: `field_${f}`, op: "add" }];
  const cats = ["projects", "battles", "community", "engagement", "streaks", "milestones"] as const;
  const rar = ["common", "rare", "epic", "legendary"] as const;
  return {
    version: 1,
    points_field: "points",
    events,
    achievements: Array.from({ length: n }, (_, i) => ({
      key: `badge_${i}`, name: `Badge ${i}`, description: `Reach ${(i % 20) + 1} on field ${i % fields}`,
      icon: "faStar", color_from: "blue-500", color_to: "blue-600", category: cats[i % cats.length]!, points: 10,
      criteria_type: "count" as const, criteria_value: ((i * 7) % 100) + 1, tracking_field: `field_${i % fields}`,
      rarity: rar[i % rar.length]!, order: i,
    })),
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

/** Median per-call time of `fn`, batching calls so the timer's coarse resolution averages out. */
function timeIt(fn: () => void, batch: number, rounds: number): number {
  for (let i = 0; i < 20; i++) fn();
  const per: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    for (let i = 0; i < batch; i++) fn();
    per.push((performance.now() - t0) / batch);
  }
  return median(per);
}

async function run() {
  const t0 = performance.now();
  await init();
  const initMs = performance.now() - t0;
  const catalog = syntheticCatalog(1000, 50);
  const t1 = performance.now();
  const engine = new AchievementEngine(catalog);
  const engineMs = performance.now() - t1;
  const state: StateInput = { timezone: "UTC", stats: Object.fromEntries(Array.from({ length: 50 }, (_, f) => [`field_${f}`, f * 2])), streak_days: {}, earned: {} };
  const now = new Date();
  const t2 = performance.now();
  const first = engine.achievements(state, now);
  const firstListingMs = performance.now() - t2;
  const listingMs = timeIt(() => engine.achievements(state, now), 20, 25);
  // A fresh object each call (the engine cannot reuse its last parse).
  const listingFreshStateMs = timeIt(() => engine.achievements(structuredClone(state), now), 20, 25);
  const host = document.createElement("div");
  document.body.appendChild(host);
  const renderMs = timeIt(() => {
    host.innerHTML = sectionHtml({ id: "all", title: "All", items: engine.achievements(state, now) });
  }, 2, 15);
  const result = { items: first.length, initMs, engineMs, firstListingMs, listingMs, listingFreshStateMs, renderMs, userAgent: navigator.userAgent };
  (window as unknown as { __bench: typeof result }).__bench = result;
  document.getElementById("out")!.textContent = JSON.stringify(result, null, 2);
}

run().catch((e: unknown) => {
  (window as unknown as { __bench: unknown }).__bench = { error: String(e) };
  document.getElementById("out")!.textContent = String(e);
});
