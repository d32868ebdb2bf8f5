// The FontAwesome icons the page uses: one import per icon (tree-shaken), never
// the whole set. CATALOG_ICONS covers every icon of fixtures/achievements.json
// (www/tools/icons.mjs regenerates that part); anything else gets FALLBACK.
import { icon as faIcon, type IconDefinition } from "@fortawesome/fontawesome-svg-core";
import {
  faArrowTrendUp, faBolt, faBriefcase, faCalendarCheck, faCoins, faCrown, faCubes, faDoorOpen,
  faFire, faGem, faGraduationCap, faHandFist, faHandHoldingHeart, faHandshake, faInfinity,
  faLayerGroup, faMedal, faPaperPlane, faRocket, faShieldHalved, faStar, faTrophy, faUsers, faAward,
  faLock, faQuestion, faXmark, faRightFromBracket, faWandMagicSparkles, faCheck,
} from "@fortawesome/free-solid-svg-icons";

// BEGIN GENERATED (www/tools/icons.mjs)
const CATALOG_ICONS: Record<string, IconDefinition> = {
  faArrowTrendUp, faBolt, faBriefcase, faCalendarCheck, faCoins, faCrown, faCubes, faDoorOpen,
  faFire, faGem, faGraduationCap, faHandFist, faHandHoldingHeart, faHandshake, faInfinity,
  faLayerGroup, faMedal, faPaperPlane, faRocket, faShieldHalved, faStar, faTrophy, faUsers,
};
// END GENERATED

export const FALLBACK: IconDefinition = faAward;
export const UI = { lock: faLock, secret: faQuestion, close: faXmark, signOut: faRightFromBracket, preview: faWandMagicSparkles, check: faCheck };

/** SVG markup for a catalog icon name (`faRocket`), or the fallback. */
const cache = new Map<IconDefinition, string>();
export function iconSvg(name: string | IconDefinition | undefined): string {
  const def = typeof name === "object" ? name : (name && CATALOG_ICONS[name]) || FALLBACK;
  let svg = cache.get(def);
  if (svg === undefined) {
    svg = faIcon(def, { attributes: { "aria-hidden": "true", focusable: "false" } }).html.join("");
    cache.set(def, svg);
  }
  return svg;
}
