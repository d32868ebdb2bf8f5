#!/usr/bin/env node
// Keeps src/icons.ts in step with the catalog: the page imports only the
// FontAwesome icons the shipped catalog names (plus a fallback), never the set.
//   node tools/icons.mjs           # rewrite the GENERATED block of src/icons.ts
//   node tools/icons.mjs --check   # exit 1 if the block is out of date
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";

const www = join(dirname(fileURLToPath(import.meta.url)), "..");
const catalog = JSON.parse(readFileSync(join(www, "../fixtures/achievements.json"), "utf8"));
const solid = createRequire(import.meta.url)(join(www, "node_modules/@fortawesome/free-solid-svg-icons/index.js"));
const names = [...new Set(catalog.achievements.map((a) => a.icon))].sort();
const missing = names.filter((n) => !solid[n]);
if (missing.length) console.error(`not in free-solid-svg-icons (the fallback is drawn): ${missing.join(", ")}`);
const ok = names.filter((n) => solid[n]);
const wrap = (xs) => xs.reduce((lines, n) => {
  const last = lines[lines.length - 1];
  if (last && (last + ` ${n},`).length <= 100) lines[lines.length - 1] = `${last} ${n},`;
  else lines.push(`  ${n},`);
  return lines;
}, []).join("\n");
const block = `// BEGIN GENERATED (www/tools/icons.mjs)\nconst CATALOG_ICONS: Record<string, IconDefinition> = {\n${wrap(ok)}\n};\n// END GENERATED`;
const path = join(www, "src/icons.ts");
const src = readFileSync(path, "utf8");
const re = /\/\/ BEGIN GENERATED[\s\S]*?\/\/ END GENERATED/;
const current = src.match(re)?.[0];
const importRe = /(import \{\n)([\s\S]*?)(\} from "@fortawesome\/free-solid-svg-icons";)/;
if (process.argv.includes("--check")) {
  const imported = new Set(src.match(importRe)?.[2].split(/[\s,]+/).filter(Boolean));
  const notImported = ok.filter((n) => !imported.has(n));
  if (current !== block || notImported.length) {
    console.error(`src/icons.ts is out of date (run node www/tools/icons.mjs)${notImported.length ? `; not imported: ${notImported}` : ""}`);
    process.exit(1);
  }
  console.log(`icons: ${ok.length} catalog icons imported one by one`);
} else {
  let out = src.replace(re, block);
  const m = out.match(importRe);
  const ui = m[2].split(/[\s,]+/).filter((n) => n && !/^fa[A-Z]/.test(n) ? false : n).filter((n) => !names.includes(n));
  out = out.replace(importRe, `$1${wrap([...ok, ...ui])}\n$3`);
  writeFileSync(path, out);
  console.log(`wrote ${ok.length} icons`);
}
