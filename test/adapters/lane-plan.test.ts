// Lane plans live in the scenario files: a new scenario runs on the real lanes by what its file
// says, with no code change, and one that says nothing is skipped saying so.
import { describe, expect, it } from "vitest";
import { planLane } from "../../harness/adapters/lane.js";
import { profileNamed } from "../../harness/adapters/registry.js";
import { parseScenario } from "../../harness/scenario.js";
import { scenarios } from "../support/gate.js";

const file = (id: string, plan: string): string => `id: ${id}
title: t
${plan}
jobs:
  - id: job
    flow:
      steps:
        - { name: a, agent: { prompt: "hi" } }
expect:
  job: { status: completed, reason: completed }
`;

describe("lane plans", () => {
  const claude = profileNamed("claude-agent-acp");
  const gemini = profileNamed("gemini");
  const fake = profileNamed("fake");

  it("a new scenario runs on every real lane by its file's real_adapters, and as written on the fake", () => {
    const fresh = parseScenario(file("brand-new", "real_adapters: { turn: reply }"), "brand-new.yaml");
    for (const adapter of [claude, gemini, fake]) expect(planLane(adapter, [fresh]).run.map((s) => s.id)).toEqual(["brand-new"]);
  });

  it("a file without a plan, or with a skip, is skipped on real lanes with the reason, and runs on the fake", () => {
    const silent = parseScenario(file("no-plan", ""), "no-plan.yaml");
    const skipped = parseScenario(file("says-no", 'real_adapters: { skip: "needs a knob" }'), "says-no.yaml");
    expect(planLane(gemini, [silent, skipped]).skipped).toEqual([
      { scenario: "no-plan", adapter: "gemini", reason: "its scenario file (no-plan.yaml) has no real_adapters plan" },
      { scenario: "says-no", adapter: "gemini", reason: "needs a knob" },
    ]);
    expect(planLane(fake, [silent, skipped]).run).toHaveLength(2);
  });

  it("every shipped scenario says how the real lanes run it", () => {
    expect(scenarios().filter((s) => s.realAdapters === null).map((s) => s.id)).toEqual([]);
  });

  it("reads a file's per-turn script and its outside misbehaviour, and refuses one it does not know", () => {
    const scripted = parseScenario(file("scripted", 'real_adapters: { turn: hold, by_prompt: { "[fail]": fail, "hi": reply }, crash: cli, escape: untagged }'), "s.yaml");
    expect(scripted.realAdapters).toEqual({ turn: "hold", byPrompt: [["[fail]", "fail"], ["hi", "reply"]], crash: "cli", escape: "untagged" });
    expect(() => parseScenario(file("odd", "real_adapters: { turn: reply, escape: teleport }"), "odd.yaml")).toThrow(/odd\.yaml.*real_adapters\.escape/);
  });

  it("runs every shipped scenario on the real lanes but those whose reason is the adapter's nature", () => {
    // handshake-fail needs a handshake a real CLI can be made to refuse (claude does, as root), and a
    // real chain cannot be made to ignore SIGTERM from outside.
    const skipped = planLane(gemini, scenarios()).skipped.map((s) => s.scenario).sort();
    expect(skipped).toEqual(["adapter-ignores-sigterm", "handshake-fail"]);
  });
});
