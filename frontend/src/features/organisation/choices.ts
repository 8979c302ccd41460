/** The choices an organisation's settings offer, from the browser's own lists when it has them. */
function supported(kind: "timeZone" | "currency", fallback: string[]): string[] {
  try {
    return Intl.supportedValuesOf(kind);
  } catch {
    return fallback;
  }
}

const zones = supported("timeZone", ["Europe/London", "Europe/Paris", "America/New_York", "America/Los_Angeles"]);
export const TIME_ZONES = zones.includes("UTC") ? zones : ["UTC", ...zones];
export const CURRENCIES = supported("currency", ["USD", "EUR", "GBP", "JPY", "CAD", "AUD", "CHF"]);

/** The browser's time zone when the server knows it, else UTC. */
export function browserTimeZone(): string {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  return zone && TIME_ZONES.includes(zone) ? zone : "UTC";
}
