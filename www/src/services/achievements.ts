// The achievements API service (plan §6): the server's snake_case JSON as the
// plan's camelCase `Achievement` interface. Progress fields come with a
// signed-in user; the token is the one from sign-in (localStorage).
import type {
  Achievement,
  CatalogFile,
  Cause,
  Category,
  Rarity,
  StateSnapshot,
  ZoneTable,
} from "../../../wasm/pkg/achievements_wasm.js";

/** The plan's `Achievement` item: the module's generated type, one definition for the page and the module. */
export type { Achievement };

/** The plan's progress for one achievement (server's numbers). */
export interface Progress {
  key: string;
  progress: number;
  progressValue: number;
  targetValue: number;
  isEarned: boolean;
  earnedAt?: string;
}

/** An item as the server sends it (the fields the page reads). */
export interface ApiAchievement {
  key: string;
  name: string;
  description: string;
  icon: string;
  color_from: string;
  color_to: string;
  category: Category;
  points: number;
  rarity?: Rarity | null;
  is_secret?: boolean;
  is_earned?: boolean;
  earned_at?: string | null;
  progress?: number | null;
  progress_value?: number | null;
  target_value?: number | null;
  requires_achievements?: string[];
}

export interface Listing {
  count: number;
  secretLocked: number;
  results: Achievement[];
}

export interface Me {
  name: string;
  timezone: string;
  isAdmin: boolean;
  points: number;
  earnedCount: number;
  secretLocked: number;
  state: StateSnapshot;
  zoneTable: ZoneTable | null;
}

export interface Notification {
  id: number;
  key: string;
  name: string;
  description: string;
  icon: string;
  color_from: string;
  color_to: string;
  category: Category;
  rarity: Rarity;
  points: number;
  earned_at: string;
  cause: Cause;
  backfill: boolean;
  read: boolean;
  created_at: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

const TOKEN_KEY = "achievements.token";
export const API = "/api/v1";

export function getToken(): string | null {
  try {
    return localStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}
export function setToken(token: string): void {
  localStorage.setItem(TOKEN_KEY, token);
}
export function clearToken(): void {
  localStorage.removeItem(TOKEN_KEY);
}

async function request<T>(path: string, init: RequestInit = {}, auth = true): Promise<T> {
  const headers = new Headers(init.headers);
  headers.set("Accept", "application/json");
  const token = getToken();
  if (auth && token) headers.set("Authorization", `Bearer ${token}`);
  const res = await fetch(`${API}/${path}`, { ...init, headers });
  if (!res.ok) {
    let code = "http_error";
    let detail = `${res.status} ${res.statusText}`;
    try {
      const body = (await res.json()) as { code?: string; detail?: string };
      code = body.code ?? code;
      detail = body.detail ?? detail;
    } catch {
      /* not JSON */
    }
    throw new ApiError(res.status, code, detail);
  }
  return (await res.json()) as T;
}

/** snake_case item → the plan's interface. */
export function toAchievement(a: ApiAchievement): Achievement {
  const out: Achievement = {
    key: a.key,
    name: a.name,
    description: a.description,
    icon: a.icon,
    colorFrom: a.color_from,
    colorTo: a.color_to,
    category: a.category,
    points: a.points,
    isEarned: a.is_earned ?? false,
  };
  if (a.earned_at) out.earnedAt = a.earned_at;
  if (a.progress != null) out.progress = a.progress;
  if (a.progress_value != null) out.progressValue = a.progress_value;
  if (a.target_value != null) out.targetValue = a.target_value;
  if (a.is_secret != null) out.isSecret = a.is_secret;
  if (a.rarity) out.rarity = a.rarity;
  return out;
}

/** The active catalog with the user's progress, and the count of locked secrets. */
export async function getListing(): Promise<Listing> {
  const body = await request<{ count: number; secret_locked?: number; results: ApiAchievement[] }>("achievements/");
  return { count: body.count, secretLocked: body.secret_locked ?? 0, results: body.results.map(toAchievement) };
}

export async function getAchievements(): Promise<Achievement[]> {
  return (await getListing()).results;
}

/** Every earned badge: the list is paginated, so its pages are followed. */
export async function getEarnedAchievements(): Promise<Achievement[]> {
  const earned: Achievement[] = [];
  let path: string | null = "achievements/earned/?page_size=1000";
  while (path) {
    const body: { next?: string | null; results: ApiAchievement[] } = await request<{
      next?: string | null;
      results: ApiAchievement[];
    }>(path);
    earned.push(...body.results.map(toAchievement));
    // `next` is origin-relative (`/api/v1/achievements/earned/?…`).
    path = body.next?.startsWith(`${API}/`) ? body.next.slice(API.length + 1) : null;
  }
  return earned;
}

export async function getAchievementProgress(key: string): Promise<Progress> {
  const a = toAchievement(await request<ApiAchievement>(`achievements/${encodeURIComponent(key)}/`));
  const p: Progress = {
    key: a.key,
    progress: a.progress ?? 0,
    progressValue: a.progressValue ?? 0,
    targetValue: a.targetValue ?? 0,
    isEarned: a.isEarned,
  };
  if (a.earnedAt) p.earnedAt = a.earnedAt;
  return p;
}

let catalogCache: { etag: string; body: CatalogFile } | null = null;

/** The public rule catalog (secrets as placeholders), revalidated by ETag. */
export async function getCatalog(): Promise<CatalogFile> {
  const headers: Record<string, string> = {};
  if (catalogCache) headers["If-None-Match"] = catalogCache.etag;
  const res = await fetch(`${API}/achievements/catalog/`, { headers });
  if (res.status === 304 && catalogCache) return catalogCache.body;
  if (!res.ok) throw new ApiError(res.status, "catalog", `catalog: ${res.status}`);
  const body = (await res.json()) as CatalogFile;
  const etag = res.headers.get("ETag");
  catalogCache = etag ? { etag, body } : null;
  return body;
}

export async function getMe(): Promise<Me> {
  const b = await request<{
    name: string;
    timezone: string;
    is_admin: boolean;
    points: number;
    earned_count: number;
    secret_locked: number;
    state: StateSnapshot;
    zone_table?: ZoneTable | null;
  }>("me/");
  return {
    name: b.name,
    timezone: b.timezone,
    isAdmin: b.is_admin,
    points: b.points,
    earnedCount: b.earned_count,
    secretLocked: b.secret_locked,
    state: b.state,
    zoneTable: b.zone_table ?? null,
  };
}

/** Notifications; `null` when the server has no notifications route (404). */
export async function getNotifications(): Promise<{ unread: number; results: Notification[] } | null> {
  try {
    return await request<{ count: number; unread: number; results: Notification[] }>("notifications/");
  } catch (e) {
    if (e instanceof ApiError && (e.status === 404 || e.status === 405)) return null;
    throw e;
  }
}

export async function markNotificationsRead(ids: number[] | "all"): Promise<void> {
  const body = ids === "all" ? { all: true } : { ids };
  try {
    await request<unknown>("notifications/read/", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
  } catch {
    /* best effort */
  }
}

export function notificationStreamUrl(): string | null {
  const token = getToken();
  return token ? `${API}/notifications/stream/?token=${encodeURIComponent(token)}` : null;
}
