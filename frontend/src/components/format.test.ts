import { describe, expect, it } from "vitest";
import { formatAgo, secondsAgo } from "./format";

describe("how long ago", () => {
  it("says seconds, minutes, hours or days, whole and rounded down", () => {
    expect(secondsAgo(2)).toBe("just now");
    expect(secondsAgo(12.4)).toBe("12 seconds ago");
    expect(secondsAgo(60)).toBe("1 minute ago");
    expect(secondsAgo(179)).toBe("2 minutes ago");
    expect(secondsAgo(2 * 3600 + 59)).toBe("2 hours ago");
    expect(secondsAgo(3 * 86400)).toBe("3 days ago");
  });

  it("measures a time from the API against now, never into the future", () => {
    const now = Date.parse("2026-03-01T12:00:00Z");
    expect(formatAgo("2026-03-01T11:58:00Z", now)).toBe("2 minutes ago");
    expect(formatAgo("2026-03-01T12:00:30Z", now)).toBe("just now");
    expect(formatAgo(null, now)).toBe("—");
  });
});
