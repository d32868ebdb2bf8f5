// Shared by the Node tests and scripts/wasm-bench.mjs: loads the built web
// package (wasm/pkg, or $WASM_PKG) in Node with initSync and the .wasm bytes,
// so the tests exercise exactly the files the browser gets.
import { spawnSync } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
export const fixtures = join(repoRoot, "fixtures");
export const shippedCatalogPath = join(fixtures, "achievements.json");

/** Imports the package and instantiates its module synchronously. */
export async function loadWasm() {
  const pkg = resolve(process.env.WASM_PKG ?? join(repoRoot, "wasm/pkg"));
  const api = await import(pathToFileURL(join(pkg, "achievements_wasm.js")).href);
  api.initSync({ module: readFileSync(join(pkg, "achievements_wasm_bg.wasm")) });
  return api;
}

/** `*.json` files of a folder (not recursive), in name order. */
export function jsonFiles(dir) {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith(".json"))
    .map((e) => join(dir, e.name))
    .sort();
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** A 64-bit integer the way the module returns one: number if safe, else bigint. */
export function int64(big) {
  return big >= -MAX_SAFE && big <= MAX_SAFE ? Number(big) : big;
}

/**
 * JSON.parse that keeps integers beyond 2^53 exact (as bigint): fixtures use
 * values up to i64::MAX, which plain JSON.parse would round.
 */
export function parseJson(text) {
  const marked = text.replace(/("(?:[^"\\]|\\.)*")|(?<![\d.])(-?\d{16,})(?![\d.eE])/g, (match, str, big) =>
    str !== undefined ? str : `{"$int64":"${big}"}`,
  );
  return JSON.parse(marked, (_key, value) =>
    value !== null && typeof value === "object" && typeof value.$int64 === "string" && Object.keys(value).length === 1
      ? int64(BigInt(value.$int64))
      : value,
  );
}

/** Equality of two integers given as number or bigint. */
export function sameInt(a, b) {
  return (typeof a === "number" || typeof a === "bigint") && (typeof b === "number" || typeof b === "bigint")
    ? BigInt(a) === BigInt(b)
    : false;
}

/** Names the core knows without a time-zone database. */
export function needsTable(name) {
  return !(name === undefined || name === "" || name === "UTC" || /^[+-]\d\d:\d\d$/.test(name));
}

const tableCache = new Map();

/**
 * Zone tables (`ZoneTable`, what the server sends as `zone_table`) for IANA
 * names, exact from 2000 to 2040, read from the IANA database by the native
 * core: the `zone-tables` example of wasm/ ($ZONE_TABLES_BIN, built by
 * scripts/wasm-test.sh; else through `cargo run`).
 */
export function zoneTables(names) {
  const missing = [...new Set(names)].filter((n) => !tableCache.has(n));
  if (missing.length) {
    const args = ["2000-01-01T00:00:00Z", "2040-01-01T00:00:00Z", ...missing];
    const bin = process.env.ZONE_TABLES_BIN;
    const run = bin
      ? spawnSync(bin, args, { encoding: "utf8" })
      : spawnSync("cargo", ["run", "--quiet", "-p", "achievements-wasm", "--example", "zone-tables", "--", ...args], {
          cwd: repoRoot,
          encoding: "utf8",
        });
    if (run.status !== 0) throw new Error(`zone-tables failed: ${run.error ?? run.stderr}`);
    for (const [name, table] of Object.entries(JSON.parse(run.stdout))) tableCache.set(name, table);
  }
  return names.map((n) => tableCache.get(n));
}
