// Real use of the generated package, type-checked by `tsc --noEmit`
// (scripts/wasm-test.sh). It calls every export; each `@ts-expect-error`
// proves a type is precise (with `any` there, the directive itself fails).
import init, {
  AchievementEngine,
  categories,
  initSync,
  validateCatalog,
  type Achievement,
  type AchievementEvent,
  type AchievementsError,
  type Blocker,
  type CatalogError,
  type CatalogFile,
  type Category,
  type CategoryInfo,
  type Diagnostic,
  type Explanation,
  type Int64,
  type Progress,
  type StateInput,
  type StateSnapshot,
  type StepResult,
  type Unlock,
  type ValidationResult,
  type ZoneTable,
} from "../../pkg/achievements_wasm.js";

/** The plan's interface, section 6, verbatim: the items must be assignable to it. */
interface PlanAchievement {
  key: string;
  name: string;
  description: string;
  icon: string;
  colorFrom: string;
  colorTo: string;
  category: string;
  points: number;
  isEarned: boolean;
  earnedAt?: string;
  progress?: number;
  progressValue?: number;
  targetValue?: number;
  isSecret?: boolean;
  rarity?: string;
}

export async function start(wasmUrl: URL, bytes: Uint8Array): Promise<void> {
  await init({ module_or_path: wasmUrl });
  initSync({ module: bytes });
}

export function useEverything(
  catalogText: string,
  catalogObject: CatalogFile,
  serverState: StateInput,
  zoneTable: ZoneTable,
): void {
  const engine = new AchievementEngine(catalogText);
  engine.addTimeZone(zoneTable);
  engine.addTimeZone({ name: "Europe/Paris", offset: 3600, transitions: [[1774746000, 7200]] });
  // @ts-expect-error a table needs its offset
  engine.addTimeZone({ name: "Europe/Paris" });
  const same: AchievementEngine = new AchievementEngine(catalogObject);
  same.free();

  const warnings: Diagnostic[] = engine.warnings;
  const now = new Date();

  const items: Achievement[] = engine.achievements(serverState, now);
  const plan: PlanAchievement[] = items;
  const byCategory = new Map<Category, Achievement[]>();
  for (const item of items) {
    byCategory.set(item.category, [...(byCategory.get(item.category) ?? []), item]);
    const percent: number | undefined = item.progress;
    const earnedAt: string | undefined = item.earnedAt;
    void percent;
    void earnedAt;
    // @ts-expect-error category is one of the six, not any string
    const wrong: "planets" = item.category;
    void wrong;
  }

  const progress: Progress = engine.progress(serverState, "10_projects", "2026-03-01T10:00:00Z");
  const current: Int64 = progress.current;
  const asNumber: number = Number(progress.current);
  // @ts-expect-error Int64 may be a bigint
  const notJustNumber: number = progress.current;

  const event: AchievementEvent = { type: "project_created", value: 1, at: "2026-03-01T10:00:00Z" };
  const bigEvent: AchievementEvent = { type: "points_earned", value: 10n, at: now };
  // @ts-expect-error an event needs a time
  const noTime: AchievementEvent = { type: "login" };

  const preview: Unlock[] = engine.preview(serverState, event);
  const step: StepResult = engine.apply(serverState, bigEvent);
  const next: StateSnapshot = step.state;
  const cause: "event" | "points" | "prerequisite" | "evaluation" | "granted" = step.unlocked[0]?.cause ?? "event";
  const evaluated: StepResult = engine.evaluate(next, "2026-03-02T00:00:00Z");
  const fresh: StateSnapshot = engine.newState("Europe/Berlin");
  const normalized: StateSnapshot = engine.normalizeState({ stats: { project_count: 3 } });
  // @ts-expect-error stats are integers, not strings
  engine.normalizeState({ stats: { project_count: "3" } });

  const explanation: Explanation = engine.explain(null, "battle_legend", now);
  for (const blocker of explanation.blockers) {
    const b: Blocker = blocker;
    if (b.kind === "requires") {
      const key: string = b.key;
      const name: string | null = b.name;
      // @ts-expect-error a secret prerequisite has no name
      const named: string = b.name;
      void key, name, named;
    } else if (b.kind === "window_closed") {
      const until: string = b.until;
      void until;
    } else if (b.kind === "below_target") {
      const gap: Int64 = b.target;
      void gap;
    }
  }
  const criteria: string = engine.describeCriteria("5_projects");
  const eventTypes: string[] = engine.eventTypes();
  const fields: string[] = engine.trackingFields();
  const keys: string[] = engine.keys();

  const validation: ValidationResult = validateCatalog(catalogText);
  const validationOfObject: ValidationResult = validateCatalog(catalogObject);
  const cats: CategoryInfo[] = categories();

  try {
    engine.apply(undefined, { type: "project_created", value: -1, at: now });
  } catch (e) {
    const error = e as AchievementsError;
    const code: string = error.code;
    const name: "CatalogError" | "EventError" | "StateError" | "InputError" = error.name;
    if (error.name === "CatalogError") {
      const located: Diagnostic[] = (error as CatalogError).errors;
      void located;
    }
    void code;
    void name;
  }

  void [warnings, plan, current, asNumber, notJustNumber, noTime, preview, cause, evaluated, fresh, normalized];
  void [criteria, eventTypes, fields, keys, validation, validationOfObject, cats];
  engine[Symbol.dispose]();
}
