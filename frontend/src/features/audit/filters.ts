/** The audit log's filters, kept in the page's URL. */
export interface AuditFilters {
  actor: string | null;
  action: string | null;
  /** Calendar days ("2026-03-01"), both inclusive, in the browser's time zone. */
  from: string | null;
  to: string | null;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

export function readAuditFilters(params: URLSearchParams): AuditFilters {
  const day = (key: string) => {
    const value = params.get(key);
    return value && DAY.test(value) ? value : null;
  };
  return { actor: params.get("actor") || null, action: params.get("action") || null, from: day("from"), to: day("to") };
}

function startOfDay(day: string, plusDays = 0): string {
  const [y, m, d] = day.split("-").map(Number);
  return new Date(y, m - 1, d + plusDays).toISOString();
}

/** The API's query for these filters: days become the instants they start and end at, locally. */
export function auditQuery(filters: AuditFilters) {
  return {
    ...(filters.actor ? { actor_user_id: filters.actor } : {}),
    ...(filters.action ? { action: filters.action } : {}),
    ...(filters.from ? { since: startOfDay(filters.from) } : {}),
    ...(filters.to ? { until: startOfDay(filters.to, 1) } : {}),
  };
}
