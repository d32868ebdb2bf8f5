// Parity: every scenario in fixtures/scenarios runs through the WASM module
// (public JS API, in Node) and must pass exactly as it does natively. With
// ACHIEVEMENTS_BIN set (scripts/wasm-test.sh sets it), the native runner's
// ok/FAILED line for each scenario is compared with the WASM result too.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { basename, join } from "node:path";
import { test } from "node:test";
import { runScenarioFile } from "./scenarios.mjs";
import { fixtures, jsonFiles, loadWasm } from "./support.mjs";

const api = await loadWasm();
const scenarioDir = join(fixtures, "scenarios");
const files = jsonFiles(scenarioDir);
const wasmResults = new Map();

test("the scenario folder is not empty", () => {
  assert.ok(files.length >= 30, `expected the shipped scenarios, found ${files.length}`);
});

for (const file of files) {
  test(`scenario ${basename(file)}`, () => {
    const { name, failures } = runScenarioFile(api, file);
    wasmResults.set(name, failures.length === 0 ? "ok" : "FAILED");
    assert.deepEqual(failures, [], `${name}:\n  ${failures.join("\n  ")}`);
  });
}

test("the native runner reports the same result for every scenario", (t) => {
  const bin = process.env.ACHIEVEMENTS_BIN;
  if (!bin) {
    t.skip("set ACHIEVEMENTS_BIN to the native `achievements` binary to compare");
    return;
  }
  const run = spawnSync(bin, ["rules", "test", scenarioDir], { encoding: "utf8" });
  assert.equal(run.error, undefined, `cannot run ${bin}: ${run.error}`);
  const native = new Map();
  for (const line of run.stdout.split("\n")) {
    const m = /^(ok|FAILED) (.*)$/.exec(line);
    if (m) native.set(m[2], m[1]);
  }
  assert.match(run.stdout, new RegExp(`^${files.length} passed, 0 failed$`, "m"), run.stdout);
  assert.deepEqual(
    [...wasmResults].sort(),
    [...native].sort(),
    "scenario results differ between WASM and native",
  );
});
