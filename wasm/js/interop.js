// The JS half of the adapter's conversions (wasm/src/convert.rs holds the
// Rust half): a state's cache key, and building the 1,000-item listing, which
// is slow when done field by field from Rust. No rule lives here: every
// number comes from the core.

/**
 * A state argument's content as JSON text: the key of the engine's state
 * cache (the state itself is read through serde-wasm-bindgen). JSON has no
 * bigint, so bigints are written as `{"$bigint": "digits"}`, which keeps
 * two states that differ in one apart.
 */
export function toJson(value) {
  try {
    return JSON.stringify(value);
  } catch (e) {
    if (!(e instanceof TypeError)) throw e;
    return JSON.stringify(value, (_key, v) => (typeof v === "bigint" ? { $bigint: v.toString() } : v));
  }
}

/**
 * The first own name of `object` that is not one of `names` (the derive's
 * field names, comma-separated), or undefined: a struct argument's unknown
 * fields are refused in one call, before its known fields are read.
 */
export function unknownKey(object, names) {
  const allowed = names.split(",");
  for (const key of Object.keys(object)) {
    if (!allowed.includes(key)) return key;
  }
  return undefined;
}

/**
 * The plan's `Achievement` items from the catalog's static parts (made once
 * per engine) and the per-call numbers the core computed.
 *
 * `numbers` holds 4 per item: flags (1 = earned, 2 = has progress), percent,
 * current, target. `earnedAt` holds the earned items' times, in item order.
 * `extras` (or null) holds `{i, window?, blockers?}` for the few items that
 * have a time window or a blocker other than progress.
 */
export function assembleItems(statics, numbers, earnedAt, extras) {
  const n = statics.length;
  const items = new Array(n);
  let e = 0;
  for (let i = 0; i < n; i++) {
    const s = statics[i];
    const flags = numbers[4 * i];
    const item = {
      key: s.key,
      name: s.name,
      description: s.description,
      icon: s.icon,
      colorFrom: s.colorFrom,
      colorTo: s.colorTo,
      category: s.category,
      points: s.points,
      isEarned: (flags & 1) === 1,
    };
    if (flags & 1) item.earnedAt = earnedAt[e++];
    if (flags & 2) {
      item.progress = numbers[4 * i + 1];
      item.progressValue = numbers[4 * i + 2];
      item.targetValue = numbers[4 * i + 3];
    }
    item.isSecret = s.isSecret;
    if (s.rarity !== undefined) item.rarity = s.rarity;
    if (s.availableFrom !== undefined) item.availableFrom = s.availableFrom;
    if (s.availableUntil !== undefined) item.availableUntil = s.availableUntil;
    items[i] = item;
  }
  if (extras) {
    for (const x of extras) {
      const item = items[x.i];
      if (x.window) item.window = x.window;
      if (x.blockers) item.blockers = x.blockers;
    }
  }
  return items;
}
