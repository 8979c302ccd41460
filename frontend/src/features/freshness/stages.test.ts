import { describe, expect, it } from "vitest";
import { formatDuration, inChainOrder, stageLabel } from "./stages";

const run = (stage: string) => ({ stage, completed_at: "2026-03-01T12:00:00Z", accounts: 1, seconds: 0.1 });

describe("the live chain's stages", () => {
  it("are named in the product's words, a new stage by its own name", () => {
    expect(stageLabel("usage")).toBe("Usage rollup");
    expect(stageLabel("health")).toBe("Health scores");
    expect(stageLabel("next_stage")).toBe("Next stage");
  });

  it("are listed in the order the chain runs them, new ones last", () => {
    const stages = [run("metrics"), run("alerts"), run("next_stage"), run("health"), run("revenue"), run("usage")];
    expect(inChainOrder(stages).map((s) => s.stage)).toEqual(["usage", "revenue", "metrics", "health", "alerts", "next_stage"]);
  });

  it("say how long a run took", () => {
    expect(formatDuration(0.0349)).toBe("35 ms");
    expect(formatDuration(2.44)).toBe("2.4 s");
    expect(formatDuration(185)).toBe("3 min 5 s");
  });
});
