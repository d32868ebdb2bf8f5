// The achievements page: sign-in, the badge grid by category with progress
// computed in the browser by the WASM engine, the "What would unlock?" panel,
// the detail dialog and unlock toasts.
import init, { AchievementEngine, categories, type Achievement as WasmAchievement, type CatalogFile } from "../../wasm/pkg/achievements_wasm.js";
import "./style.css";
import {
  ApiError, clearToken, getCatalog, getListing, getMe, getToken, setToken,
  type Achievement, type Listing, type Me,
} from "./services/achievements.ts";
import { badgeIcon, detailLockedStatus, esc, formatDate, rarityLabel, sectionHtml, type Section } from "./render.ts";
import { iconSvg, UI } from "./icons.ts";
import { startNotifications, type NotificationFeed } from "./notifications.ts";

const app = document.getElementById("app")!;

interface Model {
  engine: AchievementEngine;
  catalog: CatalogFile;
  me: Me;
  listing: Listing;
  items: Achievement[];
  byKey: Map<string, Achievement>;
}

let model: Model | null = null;
let feed: NotificationFeed | null = null;
let wasmReady: Promise<unknown> | null = null;
let lastFocusedKey: string | null = null;

/** Timings for BENCHMARKS.md (read by the end-to-end test). */
const timings: Record<string, number> = {};
(window as unknown as { __achievementsTimings: typeof timings }).__achievementsTimings = timings;

function takeTokenFromUrl(): void {
  const m = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (m?.[1]) {
    setToken(decodeURIComponent(m[1]));
    history.replaceState(null, "", location.pathname + location.search);
  }
}

// --- sign-in ------------------------------------------------------------------

function renderSignIn(message = ""): void {
  feed?.stop();
  feed = null;
  model = null;
  document.title = "Sign in · Achievements";
  app.innerHTML = `<main class="signin">
    <form class="signin-card" id="signin-form">
      <div class="brand-mark" aria-hidden="true">${iconSvg("faTrophy")}</div>
      <h1>Achievements</h1>
      <p class="muted">Sign in with your access token to see your badges.</p>
      <label for="token-input">Access token</label>
      <input id="token-input" name="token" type="password" autocomplete="off" spellcheck="false" placeholder="ach_…" required />
      ${message ? `<p class="form-error" role="alert">${esc(message)}</p>` : ""}
      <button type="submit" class="btn btn-primary">Sign in</button>
      <p class="hint">Tip: <code>achievements users add NAME</code> prints a token; the demo server prints a one-click link.</p>
    </form>
  </main>`;
  const form = document.getElementById("signin-form") as HTMLFormElement;
  const input = document.getElementById("token-input") as HTMLInputElement;
  input.focus();
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const t = input.value.trim();
    if (!t) return;
    setToken(t);
    void start();
  });
}

function signOut(): void {
  clearToken();
  renderSignIn();
}

// --- data -----------------------------------------------------------------------

function catalogKey(c: CatalogFile): string {
  return JSON.stringify([c.version, c.achievements.length, c.achievements.map((a) => a.key), c.secret_placeholders?.length ?? 0]);
}
let engineFor: { key: string; engine: AchievementEngine } | null = null;

async function load(): Promise<Model> {
  wasmReady ??= (async () => {
    const t0 = performance.now();
    await init();
    timings.wasmInitMs = performance.now() - t0;
  })();
  const [, catalog, me, listing] = await Promise.all([wasmReady, getCatalog(), getMe(), getListing()]);
  const key = catalogKey(catalog) + JSON.stringify(catalog);
  if (!engineFor || engineFor.key !== key) {
    engineFor?.engine.free();
    const t0 = performance.now();
    engineFor = { key, engine: new AchievementEngine(catalog) };
    timings.engineMs = performance.now() - t0;
  }
  const engine = engineFor.engine;
  if (me.zoneTable) engine.addTimeZone(me.zoneTable);
  const t1 = performance.now();
  const computed: WasmAchievement[] = engine.achievements(me.state, new Date());
  timings.listingMs = performance.now() - t1;
  const items = merge(catalog, computed, listing);
  return { engine, catalog, me, listing, items, byKey: new Map(items.map((a) => [a.key, a])) };
}

/**
 * The engine's items (catalog order, progress computed here) for every active
 * definition; locked secrets stay "???" placeholders; earned secrets are taken
 * from the server's listing (only the server knows their names).
 */
function merge(catalog: CatalogFile, computed: WasmAchievement[], listing: Listing): Achievement[] {
  const inactive = new Set(catalog.achievements.filter((d) => d.is_active === false).map((d) => d.key));
  const defined = new Set(catalog.achievements.map((d) => d.key));
  const out: Achievement[] = [];
  for (const a of computed) {
    const placeholder = a.isSecret === true && !defined.has(a.key);
    if (placeholder) {
      if (!a.isEarned) out.push({ ...a });
      continue;
    }
    if (inactive.has(a.key) && !a.isEarned) continue;
    out.push({ ...a });
  }
  for (const s of listing.results) {
    if (s.isSecret && s.isEarned && !defined.has(s.key)) out.push(s);
  }
  return out;
}

function sections(items: Achievement[]): Section[] {
  const cats = categories();
  return cats
    .map((c) => ({ id: c.id as string, title: c.title, items: items.filter((a) => a.category === c.id) }))
    .filter((s) => s.items.length > 0);
}

// --- page -----------------------------------------------------------------------

function renderShell(): void {
  app.innerHTML = `<header class="topbar">
      <div class="topbar-inner">
        <a class="brand" href="#" aria-label="Achievements home"><span class="brand-mark sm" aria-hidden="true">${iconSvg("faTrophy")}</span><span>Achievements</span></a>
        <div class="user" id="user"></div>
        <button type="button" class="btn btn-ghost" id="signout">${iconSvg(UI.signOut)}<span>Sign out</span></button>
      </div>
    </header>
    <main class="layout">
      <div class="content">
        <section class="summary" id="summary" aria-label="Summary"></section>
        <nav class="cat-nav" id="cat-nav" aria-label="Categories"></nav>
        <div id="grid" aria-live="off"></div>
      </div>
      <aside class="side">
        <section class="panel" id="preview" aria-labelledby="preview-h">
          <h2 id="preview-h">${iconSvg(UI.preview)} What would unlock?</h2>
          <p class="muted small">Pick something you could do next: the rules run right here in your browser.</p>
          <form id="preview-form" class="preview-form">
            <label for="preview-type">Event</label>
            <select id="preview-type" name="type"></select>
            <label for="preview-value">Value</label>
            <input id="preview-value" name="value" type="number" min="0" step="1" inputmode="numeric" value="1" />
          </form>
          <div id="preview-result" class="preview-result" aria-live="polite"></div>
        </section>
      </aside>
    </main>
    <dialog id="detail" class="detail" aria-labelledby="detail-name"></dialog>`;
  document.getElementById("signout")!.addEventListener("click", signOut);
  const grid = document.getElementById("grid")!;
  grid.addEventListener("click", (e) => {
    const t = (e.target as HTMLElement).closest<HTMLElement>(".tile");
    if (t?.dataset.key) openDetail(t.dataset.key);
  });
  const form = document.getElementById("preview-form") as HTMLFormElement;
  form.addEventListener("input", renderPreview);
  form.addEventListener("change", renderPreview);
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    renderPreview();
  });
}

const EVENT_LABELS: Record<string, string> = {
  project_created: "Create a project",
  project_published: "Publish a project",
  battle_participated: "Take part in a battle",
  battle_won: "Win a battle",
  login: "Log in",
  community_help: "Help someone",
  quiz_completed: "Complete a quiz",
  points_earned: "Earn points",
  stars_received: "Reach a star count",
};

function renderAll(m: Model): void {
  document.title = `Achievements · ${m.me.name}`;
  const total = m.items.length;
  const earned = m.items.filter((a) => a.isEarned).length;
  const pct = total ? Math.floor((earned / total) * 100) : 0;
  document.getElementById("user")!.innerHTML = `<span class="avatar" aria-hidden="true">${esc(m.me.name.slice(0, 1).toUpperCase())}</span><span class="user-name">${esc(m.me.name)}</span>`;
  document.getElementById("summary")!.innerHTML = `
    <div class="stat"><span class="stat-value" id="stat-points">${esc(m.me.points)}</span><span class="stat-label">points</span></div>
    <div class="stat"><span class="stat-value" id="stat-earned">${earned}<small> / ${total}</small></span><span class="stat-label">badges earned</span></div>
    <div class="stat stat-wide"><div class="progress big" role="progressbar" aria-label="Overall" aria-valuemin="0" aria-valuemax="100" aria-valuenow="${pct}"><div class="progress-fill" style="width:${pct}%"></div></div><span class="stat-label">${pct}% complete</span></div>`;
  const secs = sections(m.items);
  document.getElementById("cat-nav")!.innerHTML = secs
    .map((s) => `<a href="#cat-${esc(s.id)}" class="chip">${esc(s.title)} <span>${s.items.filter((a) => a.isEarned).length}/${s.items.length}</span></a>`)
    .join("");
  const grid = document.getElementById("grid")!;
  grid.innerHTML = secs.map(sectionHtml).join("");
  grid.setAttribute("data-ready", "true");
  // Keep focus on the same tile across re-renders.
  if (lastFocusedKey && grid.contains(document.activeElement) === false && document.activeElement === document.body) {
    grid.querySelector<HTMLElement>(`.tile[data-key="${CSS.escape(lastFocusedKey)}"]`)?.focus();
  }
  const select = document.getElementById("preview-type") as HTMLSelectElement;
  const current = select.value;
  const types = m.engine.eventTypes();
  select.innerHTML = types.map((t) => `<option value="${esc(t)}">${esc(EVENT_LABELS[t] ?? t.replace(/_/g, " "))}</option>`).join("");
  if (current && types.includes(current)) select.value = current;
  else if (types.includes("project_created")) select.value = "project_created";
  renderPreview();
}

function renderPreview(): void {
  if (!model) return;
  const out = document.getElementById("preview-result")!;
  const type = (document.getElementById("preview-type") as HTMLSelectElement).value;
  const raw = (document.getElementById("preview-value") as HTMLInputElement).value.trim();
  if (!type) return;
  let value: number | null = null;
  if (raw !== "") {
    value = Number(raw);
    if (!Number.isSafeInteger(value)) {
      out.innerHTML = `<p class="form-error">Enter a whole number.</p>`;
      return;
    }
  }
  try {
    const unlocks = model.engine.preview(model.me.state, { type, value, at: new Date() });
    out.dataset.type = type;
    out.dataset.value = raw;
    if (unlocks.length === 0) {
      out.innerHTML = `<p class="muted" data-count="0">Nothing new would unlock.</p>`;
      return;
    }
    const pts = unlocks.reduce((s, u) => s + (model!.byKey.get(u.key)?.points ?? 0), 0);
    out.innerHTML = `<p class="preview-head" data-count="${unlocks.length}">${unlocks.length} badge${unlocks.length === 1 ? "" : "s"} would unlock · +${pts} pts</p>
      <ul class="preview-list">${unlocks
        .map((u) => {
          const a = model!.byKey.get(u.key);
          const why = u.cause === "points" ? "from the points" : u.cause === "prerequisite" ? "prerequisites met" : "";
          return `<li data-key="${esc(u.key)}">${a ? badgeIcon({ ...a, isEarned: true }, "sm") : ""}<span class="preview-name">${esc(a?.name ?? u.key)}</span>${why ? `<span class="muted small">${why}</span>` : ""}</li>`;
        })
        .join("")}</ul>`;
  } catch (e) {
    out.innerHTML = `<p class="form-error">${esc(e instanceof Error ? e.message : String(e))}</p>`;
  }
}

// --- detail ----------------------------------------------------------------------

const CAUSE_TEXT: Record<string, string> = {
  event: "unlocked by your activity",
  points: "unlocked by your points",
  prerequisite: "unlocked once its prerequisites were earned",
  evaluation: "awarded retroactively",
  granted: "granted",
};

function openDetail(key: string): void {
  if (!model) return;
  const a = model.byKey.get(key);
  if (!a) return;
  lastFocusedKey = key;
  const dialog = document.getElementById("detail") as HTMLDialogElement;
  const secretLocked = a.isSecret === true && !a.name;
  let body: string;
  if (secretLocked) {
    body = `<p>This is a secret achievement. Its name and how to earn it stay hidden until you unlock it.</p>`;
  } else {
    let criteria = "";
    let prereqs = "";
    let how = "";
    try {
      const ex = model.engine.explain(model.me.state, key, new Date());
      criteria = ex.criteria;
      const cause = ex.earned?.cause;
      if (cause) how = CAUSE_TEXT[cause] ?? "";
      if (ex.prerequisites.length) {
        prereqs = `<h3>Requires</h3><ul class="prereqs">${ex.prerequisites
          .map((p) => {
            const pa = model!.byKey.get(p.key);
            const name = pa && pa.name ? pa.name : "Secret achievement";
            return `<li class="${p.earned ? "ok" : "todo"}" data-key="${esc(p.key)}">${iconSvg(p.earned ? UI.check : UI.lock)}<span>${esc(name)}</span><span class="muted small">${p.earned ? "earned" : "not yet"}</span></li>`;
          })
          .join("")}</ul>`;
      }
    } catch {
      criteria = a.description; // an earned secret: only the server knows its rule
    }
    const status = a.isEarned
      ? `<p class="detail-earned">${iconSvg(UI.check)} Earned on <time datetime="${esc(a.earnedAt)}">${esc(formatDate(a.earnedAt))}</time>${how ? `<span class="muted small">· ${esc(how)}</span>` : ""}</p>`
      : detailLockedStatus(a);
    body = `<p class="detail-desc">${esc(a.description)}</p>
      <dl class="facts">
        <div><dt>How to earn</dt><dd class="criteria">${esc(criteria)}</dd></div>
        <div><dt>Points</dt><dd>${a.points}</dd></div>
        <div><dt>Rarity</dt><dd><span class="rarity rarity-pill-${esc(a.rarity ?? "common")}">${esc(rarityLabel(a.rarity ?? "common"))}</span></dd></div>
      </dl>
      ${prereqs}
      <div class="detail-progress">${status}</div>`;
  }
  dialog.innerHTML = `<div class="detail-inner">
      <button type="button" class="icon-btn detail-close" aria-label="Close">${iconSvg(UI.close)}</button>
      <div class="detail-head">${badgeIcon(a, "lg")}<div><h2 id="detail-name">${secretLocked ? "???" : esc(a.name)}</h2>
        <p class="muted small">${esc(categories().find((c) => c.id === a.category)?.title ?? a.category)}</p></div></div>
      ${body}
    </div>`;
  dialog.querySelector(".detail-close")!.addEventListener("click", () => dialog.close());
  dialog.onclick = (e) => {
    if (e.target === dialog) dialog.close();
  };
  dialog.onclose = () => {
    document.querySelector<HTMLElement>(`.tile[data-key="${CSS.escape(key)}"]`)?.focus();
  };
  dialog.showModal();
  dialog.querySelector<HTMLElement>(".detail-close")?.focus();
}

// --- start -----------------------------------------------------------------------

let refreshing: Promise<void> | null = null;
async function refresh(): Promise<void> {
  if (refreshing) return refreshing;
  refreshing = (async () => {
    try {
      model = await load();
      renderAll(model);
    } catch (e) {
      handleError(e);
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
}

function handleError(e: unknown): void {
  if (e instanceof ApiError && (e.status === 401 || e.status === 403)) {
    clearToken();
    renderSignIn(e.status === 401 ? "That token was not accepted. Check it and try again." : "This token cannot read badges (a service token?). Use a user's token.");
    return;
  }
  console.error(e);
  const grid = document.getElementById("grid");
  const msg = `<div class="error-box" role="alert"><strong>Could not load your achievements.</strong> <span>${esc(e instanceof Error ? e.message : String(e))}</span> <button type="button" class="btn" id="retry">Retry</button></div>`;
  if (grid) {
    grid.innerHTML = msg;
    document.getElementById("retry")?.addEventListener("click", () => void refresh());
  } else app.innerHTML = msg;
}

async function start(): Promise<void> {
  if (!getToken()) {
    renderSignIn();
    return;
  }
  renderShell();
  document.getElementById("grid")!.innerHTML = `<p class="muted loading">Loading your badges…</p>`;
  await refresh();
  if (model && !feed) feed = await startNotifications(() => void refresh());
}

takeTokenFromUrl();
window.addEventListener("hashchange", () => {
  if (/token=/.test(location.hash)) {
    takeTokenFromUrl();
    void start();
  }
});
document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "visible" && model) void refresh();
});
void start();
