// HTML for tiles, sections and progress bars. Pure functions of the items:
// every number shown comes from the WASM engine (or the server's listing for
// earned secrets); nothing here decides a rule.
import type { Achievement } from "./services/achievements.ts";
import { gradient } from "./colors.ts";
import { iconSvg, UI } from "./icons.ts";
import { endsText, reasons } from "./reasons.ts";

export function esc(s: string | number | undefined | null): string {
  return String(s ?? "").replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const dateFmt = new Intl.DateTimeFormat(undefined, { year: "numeric", month: "short", day: "numeric" });
export function formatDate(iso: string | undefined): string {
  if (!iso) return "";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : dateFmt.format(d);
}

const RARITY_LABEL: Record<string, string> = { common: "Common", rare: "Rare", epic: "Epic", legendary: "Legendary" };
export function rarityLabel(r: string | undefined): string {
  return (r && RARITY_LABEL[r]) || "";
}

/** A progress bar with its numbers (`3 / 5`). */
export function progressBar(a: Achievement): string {
  const pct = Math.max(0, Math.min(100, a.progress ?? 0));
  const value = a.progressValue ?? 0;
  const target = a.targetValue ?? 0;
  return `<div class="progress" role="progressbar" aria-label="Progress" aria-valuemin="0" aria-valuemax="100" aria-valuenow="${pct}">
      <div class="progress-fill" style="width:${pct}%"></div>
    </div>
    <div class="progress-text"><span class="progress-numbers">${esc(value)} / ${esc(target)}</span><span class="progress-pct">${pct}%</span></div>`;
}

/**
 * Where a locked badge's progress bar goes: why it cannot unlock now
 * ("Event ended on 8 Jun 2026", "Requires First Publish first") instead of
 * the bar, or the bar and, for an open window, when it ends.
 */
export function lockedStatus(a: Achievement): string {
  const why = reasons(a);
  if (why.length > 0) {
    return `<ul class="blocked" aria-label="Why it cannot be earned now">${why
      .map((r) => `<li class="blocked-reason" data-blocker="${esc(r.kind)}">${iconSvg(UI.lock)}<span>${esc(r.text)}</span></li>`)
      .join("")}</ul>`;
  }
  if (a.progress === undefined) return "";
  const ends = endsText(a);
  const daysLeft = a.window?.status === "open" ? a.window.daysLeft : undefined;
  return `${progressBar(a)}${ends ? `<p class="window-ends" data-days-left="${esc(daysLeft)}">${esc(ends)}</p>` : ""}`;
}

/**
 * The detail dialog's locked status: as on the tile, plus — when a reason
 * replaces the bar — the numbers alone (`2 / 25`, no bar), as the terminal
 * app's detail view shows them.
 */
export function detailLockedStatus(a: Achievement): string {
  const gated = reasons(a).length > 0;
  const numbers = gated && a.progress !== undefined
    ? `<div class="progress-text"><span class="progress-numbers">${esc(a.progressValue ?? 0)} / ${esc(a.targetValue ?? 0)}</span><span class="progress-pct">${a.progress}%</span></div>`
    : "";
  return lockedStatus(a) + numbers;
}

/** The round icon with its gradient; locked icons are desaturated. */
export function badgeIcon(a: Achievement, size: "md" | "lg" | "sm" = "md"): string {
  if (a.isSecret && !a.name) {
    return `<div class="badge-icon badge-${size} badge-secret">${iconSvg(UI.secret)}</div>`;
  }
  const lock = a.isEarned ? "" : `<span class="badge-lock">${iconSvg(UI.lock)}</span>`;
  return `<div class="badge-icon badge-${size}${a.isEarned ? "" : " is-locked"}" style="background:${gradient(a.colorFrom, a.colorTo)}">${iconSvg(a.icon)}${lock}</div>`;
}

/** One tile of the grid (a button: focusable, Enter/Space open the detail). */
export function tile(a: Achievement): string {
  if (a.isSecret && !a.name) {
    return `<li><button type="button" class="tile tile-secret${a.isEarned ? " is-earned" : ""}" data-key="${esc(a.key)}" data-secret="true" data-earned="${a.isEarned}"
      aria-label="Secret achievement, locked">
      ${badgeIcon(a)}
      <div class="tile-body">
        <div class="tile-title"><span class="tile-name">???</span></div>
        <p class="tile-desc">A secret achievement. Keep going to discover it.</p>
      </div>
    </button></li>`;
  }
  const rarity = a.rarity ?? "common";
  const status = a.isEarned
    ? `<div class="tile-earned">${iconSvg(UI.check)} Earned <time datetime="${esc(a.earnedAt)}">${esc(formatDate(a.earnedAt))}</time></div>`
    : lockedStatus(a);
  const why = reasons(a)[0]?.text;
  return `<li><button type="button" class="tile rarity-${esc(rarity)}${a.isEarned ? " is-earned" : " is-locked"}" data-key="${esc(a.key)}"
      data-earned="${a.isEarned}" data-progress="${a.progress ?? ""}" data-progress-value="${a.progressValue ?? ""}" data-target-value="${a.targetValue ?? ""}"
      aria-label="${esc(a.name)}, ${a.isEarned ? "earned" : why ? `locked, ${esc(why)}` : `locked, ${a.progress ?? 0}%`}, ${esc(rarityLabel(rarity))}, ${a.points} points">
      ${badgeIcon(a)}
      <div class="tile-body">
        <div class="tile-title"><span class="tile-name">${esc(a.name)}</span></div>
        <p class="tile-desc">${esc(a.description)}</p>
        <div class="tile-meta"><span class="rarity rarity-pill-${esc(rarity)}">${esc(rarityLabel(rarity))}</span><span class="points">${a.points} pts</span></div>
        ${status}
      </div>
    </button></li>`;
}

export interface Section {
  id: string;
  title: string;
  items: Achievement[];
}

export function sectionHtml(s: Section): string {
  const earned = s.items.filter((a) => a.isEarned).length;
  return `<section class="category" id="cat-${esc(s.id)}" aria-labelledby="cat-${esc(s.id)}-h" data-category="${esc(s.id)}">
    <header class="category-head"><h2 id="cat-${esc(s.id)}-h">${esc(s.title)}</h2>
      <span class="category-count" data-earned="${earned}" data-total="${s.items.length}">${earned} / ${s.items.length}</span></header>
    <ul class="grid" role="list">${s.items.map(tile).join("")}</ul>
  </section>`;
}
