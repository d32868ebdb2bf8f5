// Unlock toasts fed by the notification stream (Server-Sent Events). Unlocks
// arriving together become one toast; backfill unlocks are summarised. On
// sign-in, the unread ones become one summary. Only a retroactive award —
// a `backfill` notification whose `cause` is `evaluation` (`award-retroactive`,
// `POST achievements/check/`) — is "awarded retroactively"; unlocks caused by
// the user's events, live or replayed (the demo's activity, an import), were
// earned "while you were away". When the server has no notifications route,
// nothing happens (no toast, no error).
import { getNotifications, markNotificationsRead, notificationStreamUrl, type Notification } from "./services/achievements.ts";
import { badgeIcon, esc } from "./render.ts";
import { iconSvg, UI } from "./icons.ts";

const GROUP_MS = 350;
const TOAST_MS = 8000;

export interface NotificationFeed {
  stop(): void;
}

function toAchievementLike(n: Notification) {
  return { key: n.key, name: n.name, description: n.description, icon: n.icon, colorFrom: n.color_from, colorTo: n.color_to, category: n.category, points: n.points, isEarned: true };
}

export function showToast(html: string, kind: "unlock" | "backfill" | "signin" = "unlock"): HTMLElement {
  const region = document.getElementById("toasts");
  const el = document.createElement("div");
  el.className = `toast toast-${kind}`;
  el.setAttribute("role", "status");
  el.innerHTML = `${html}<button type="button" class="toast-close" aria-label="Dismiss">${iconSvg(UI.close)}</button>`;
  const close = () => {
    el.classList.add("leaving");
    setTimeout(() => el.remove(), 200);
  };
  el.querySelector(".toast-close")?.addEventListener("click", close);
  region?.appendChild(el);
  setTimeout(close, TOAST_MS);
  return el;
}

/** A retroactive award: the only unlocks the page calls "retroactive". */
export function isRetroactive(n: Notification): boolean {
  return n.backfill && n.cause === "evaluation";
}

export function toastFor(batch: Notification[]): void {
  const live = batch.filter((n) => !n.backfill);
  const backfill = batch.filter(isRetroactive);
  const replayed = batch.filter((n) => n.backfill && !isRetroactive(n));
  if (live.length === 1) {
    const n = live[0]!;
    showToast(`${badgeIcon(toAchievementLike(n), "sm")}<div class="toast-body"><div class="toast-kicker">Achievement unlocked</div>
      <div class="toast-title" data-key="${esc(n.key)}">${esc(n.name)}</div><div class="toast-sub">${esc(n.description)} · +${n.points} pts</div></div>`);
  } else if (live.length > 1) {
    const pts = live.reduce((s, n) => s + n.points, 0);
    showToast(`<div class="toast-body"><div class="toast-kicker">${live.length} achievements unlocked · +${pts} pts</div>
      <ul class="toast-list">${live.map((n) => `<li data-key="${esc(n.key)}">${badgeIcon(toAchievementLike(n), "sm")}<span>${esc(n.name)}</span></li>`).join("")}</ul></div>`);
  }
  if (replayed.length > 0) {
    showToast(`<div class="toast-body"><div class="toast-kicker">Catching up</div><div class="toast-title toast-summary" data-summary="away" data-count="${replayed.length}">${badges(replayed.length)} earned while you were away</div>
      <div class="toast-sub">${esc(replayed.map((n) => n.name).join(", "))}</div></div>`, "backfill");
  }
  if (backfill.length > 0) {
    showToast(`<div class="toast-body"><div class="toast-kicker">Catching up</div><div class="toast-title toast-summary" data-summary="backfill" data-count="${backfill.length}">${badges(backfill.length)} awarded retroactively</div>
      <div class="toast-sub">${esc(backfill.map((n) => n.name).join(", "))}</div></div>`, "backfill");
  }
}

function badges(n: number): string {
  return `${n} ${n === 1 ? "badge" : "badges"}`;
}

/**
 * The sign-in summary of unread notifications: one toast, a line for the
 * unlocks the user's events caused ("while you were away") and one for the
 * retroactive awards ("awarded retroactively"), each listing the names.
 */
export function signInSummary(unread: Notification[]): void {
  const live = unread.filter((n) => !isRetroactive(n));
  const backfill = unread.filter(isRetroactive);
  const line = (list: Notification[], text: string, kind: string) =>
    list.length === 0
      ? ""
      : `<div class="toast-title toast-summary" data-summary="${kind}" data-count="${list.length}">${esc(text)}</div>
      <div class="toast-sub">${esc(list.map((n) => n.name).join(", "))}</div>`;
  const kicker = live.length > 0 ? "Welcome back" : "Catching up";
  showToast(`<div class="toast-body"><div class="toast-kicker">${kicker}</div>
      ${line(live, `${badges(live.length)} earned while you were away`, "away")}
      ${line(backfill, `${badges(backfill.length)} awarded retroactively`, "backfill")}</div>`, "signin");
}

/** Starts the feed; `onUnlock` runs after each group (refetch the grid). */
export async function startNotifications(onUnlock: () => void): Promise<NotificationFeed> {
  // `data-notifications` on <body>: off (no route), live (stream open), reconnecting.
  const mark = (s: string) => (document.body.dataset.notifications = s);
  const none: NotificationFeed = { stop() {} };
  let initial;
  try {
    initial = await getNotifications();
  } catch {
    mark("off");
    return none;
  }
  if (!initial || typeof EventSource === "undefined") {
    mark("off");
    return none;
  }
  const seen = new Set<number>();
  const unread = initial.results.filter((n) => !n.read);
  for (const n of initial.results) seen.add(n.id);
  if (unread.length > 0) {
    signInSummary(unread);
    void markNotificationsRead(unread.map((n) => n.id));
    onUnlock();
  }
  const url = notificationStreamUrl();
  if (!url) return none;
  const source = new EventSource(url);
  source.onopen = () => mark("live");
  source.onerror = () => mark(source.readyState === EventSource.CLOSED ? "off" : "reconnecting");
  let buffer: Notification[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  const flush = () => {
    timer = undefined;
    const batch = buffer;
    buffer = [];
    if (batch.length === 0) return;
    toastFor(batch);
    void markNotificationsRead(batch.map((n) => n.id));
    onUnlock();
  };
  source.addEventListener("unlock", (ev) => {
    let n: Notification;
    try {
      n = JSON.parse((ev as MessageEvent<string>).data) as Notification;
    } catch {
      return;
    }
    if (seen.has(n.id)) return;
    seen.add(n.id);
    buffer.push(n);
    if (timer === undefined) timer = setTimeout(flush, GROUP_MS);
  });
  return {
    stop() {
      source.close();
      delete document.body.dataset.notifications;
      if (timer !== undefined) clearTimeout(timer);
    },
  };
}
