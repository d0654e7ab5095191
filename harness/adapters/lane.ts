// Which scenarios an adapter's lane runs, and how. The fake adapter runs every scenario as
// written; a real adapter ignores the fake's knobs (latency, [fail], handshake behaviours), so each
// scenario file says what the real adapters' stub model does (real_adapters), or why it cannot run.
import type { AdapterLaunch } from "../../protocol/adapter-launch.js";
import { launchWith } from "./misbehaviour.js";
import type { AdapterProfile, PreparedRun, ScenarioPlan } from "./profile.js";

export interface Skip {
  scenario: string;
  adapter: string;
  reason: string;
}

/** A skip as the gate prints it as it goes; `*` stands for a whole lane. */
export function skipLine(skip: Skip): string {
  return skip.scenario === "*" ? `SKIP  lane ${skip.adapter}: ${skip.reason}` : `SKIP  ${skip.scenario.padEnd(24)} ${skip.adapter}: ${skip.reason}`;
}

/**
 * A lane's runnable items, its skips said and kept: none at all, one skip for the whole lane,
 * where the adapter cannot run here. The white-box lanes and the black-box gate open lanes alike.
 */
export function openLane<T>(adapter: AdapterProfile, plan: () => { run: T[]; skipped: Skip[] }, skipped: Skip[], log: (line: string) => void): T[] {
  const availability = adapter.available();
  const lane = availability.ok ? plan() : { run: [], skipped: [{ scenario: "*", adapter: adapter.name, reason: availability.reason }] };
  for (const skip of lane.skipped) log(skipLine(skip));
  skipped.push(...lane.skipped);
  return lane.run;
}

/** The scenario as a lane needs it: its id, and its file's plan for real adapters. */
export interface LaneScenario {
  id: string;
  file?: string;
  realAdapters: ScenarioPlan | null;
}

/**
 * How one scenario runs on one adapter: the fake runs it as written; a real adapter by the
 * profile's own plan for it where it has one (the adapter's nature), else by the scenario file's.
 */
export function planFor(adapter: AdapterProfile, scenario: LaneScenario): ScenarioPlan {
  if (adapter.prepare === undefined) return { turn: "reply" };
  return adapter.overrides?.[scenario.id] ?? scenario.realAdapters ?? { skip: `its scenario file${scenario.file === undefined ? "" : ` (${scenario.file})`} has no real_adapters plan` };
}

/** Splits scenarios into those the lane runs and those it skips, each skip with its reason. */
export function planLane<S extends LaneScenario>(adapter: AdapterProfile, scenarios: readonly S[]): { run: S[]; skipped: Skip[] } {
  const run: S[] = [];
  const skipped: Skip[] = [];
  for (const scenario of scenarios) {
    const plan = planFor(adapter, scenario);
    if ("skip" in plan) skipped.push({ scenario: scenario.id, adapter: adapter.name, reason: plan.skip });
    else run.push(scenario);
  }
  return { run, skipped };
}

/** What one scenario's run starts its chains with: the launch, extra env, and what to tear down after. */
export interface LaneLaunch extends PreparedRun {
  launch: AdapterLaunch;
}

/**
 * What a scenario's run needs from its adapter: the fake's launch as it is; a real adapter's
 * set up by its profile (a model stub scripted by the plan, a HOME), behind the launcher the
 * plan's misbehaviour needs.
 */
export async function prepareRun(adapter: AdapterProfile, scenario: LaneScenario): Promise<LaneLaunch> {
  if (adapter.prepare === undefined) return { launch: adapter.launch(), env: {}, dispose: async () => undefined };
  const plan = planFor(adapter, scenario);
  if ("skip" in plan) throw new Error(`scenario ${scenario.id} is not run in the ${adapter.name} lane: ${plan.skip}`);
  const prepared = await adapter.prepare(plan);
  for (const name of plan.unset ?? []) delete prepared.env[name];
  return { ...prepared, launch: launchWith(adapter.launch(), plan) };
}
