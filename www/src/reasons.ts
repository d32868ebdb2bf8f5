// Why a badge cannot be earned now, and when its window ends, in words.
// The WASM engine (the core) decides both: the item's `blockers` and its
// `window` in the user's local days (last day, days left). This module only
// words them; tiles and the detail dialog show a reason instead of a
// progress bar, since a full bar on a badge that cannot unlock would say the
// opposite of the truth.
import type { Blocker, LocalWindow } from "../../wasm/pkg/achievements_wasm.js";

/** What the wording needs from an item. */
export interface Blockable {
  isEarned: boolean;
  window?: LocalWindow;
  blockers?: Blocker[];
}

// The page's date format (as for earned dates), applied to a calendar day:
// the day is already the user's local day, so it is formatted as a UTC date.
const dayFmt = new Intl.DateTimeFormat(undefined, { year: "numeric", month: "short", day: "numeric", timeZone: "UTC" });

/** `2026-06-08` → "8 Jun 2026" (en-GB), "Jun 8, 2026" (en-US): the page's locale. */
export function formatDay(ymd: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(ymd);
  if (!m) return ymd;
  return dayFmt.format(new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))));
}

/** A blocker other than progress in words; `null` for `below_target` (the bar shows it). */
export function blockerText(b: Blocker, window: LocalWindow | undefined): string | null {
  switch (b.kind) {
    case "inactive":
      return "No longer awarded";
    case "not_yet_available":
      return window?.status === "upcoming" ? `Starts on ${formatDay(window.startsOn)}` : b.message;
    case "window_closed":
      return window?.status === "ended" ? `Event ended on ${formatDay(window.lastDay)}` : b.message;
    case "requires":
      return `Requires ${b.name ?? "a secret achievement"} first`;
    case "below_target":
      return null;
  }
}

/** Every reason other than progress, worded, with its kind. */
export function reasons(a: Blockable): Array<{ kind: Blocker["kind"]; text: string }> {
  if (a.isEarned) return [];
  const out: Array<{ kind: Blocker["kind"]; text: string }> = [];
  for (const b of a.blockers ?? []) {
    const text = blockerText(b, a.window);
    if (text) out.push({ kind: b.kind, text });
  }
  return out;
}

/** "ends in 3 days", "ends tomorrow", "ends today" for an open window with an end; else `null`. */
export function endsText(a: Blockable): string | null {
  const w = a.window;
  if (a.isEarned || w?.status !== "open" || w.daysLeft === undefined) return null;
  if (w.daysLeft === 0) return "ends today";
  if (w.daysLeft === 1) return "ends tomorrow";
  return `ends in ${w.daysLeft} days`;
}
