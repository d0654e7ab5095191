// The gate over several adapter lanes: each lane runs the scenarios its plan allows, a real lane
// first measures one chain's RSS, and a lane or scenario that cannot run is a skip with its reason.
import { type GateResult, SCHEMA_VERSION, overall } from "../../result/result.js";
import type { Capabilities } from "../../protocol/messages.js";
import { missingCapabilities } from "../engine-plan.js";
import { type GateOptions, runGate } from "../gate.js";
import { newRunId } from "../runner.js";
import type { Scenario } from "../scenario.js";
import { type ChainRss, chainLine, measureChain } from "./chain-rss.js";
import { type Skip, openLane, planLane, skipLine } from "./lane.js";
import type { AdapterProfile } from "./profile.js";

export interface LanesResult extends GateResult {
  skipped: Skip[];
  chains: ChainRss[];
}

export async function runLanes(
  adapters: readonly AdapterProfile[],
  all: readonly Scenario[],
  options: Omit<GateOptions, "adapter"> & { capabilities: Capabilities },
  log: (line: string) => void,
): Promise<LanesResult> {
  const results: GateResult["results"] = [];
  const skipped: Skip[] = [];
  const chains: ChainRss[] = [];
  // What the engine cannot do is skipped on every lane, naming what it lacks.
  const scenarios = all.filter((scenario) => {
    const missing = missingCapabilities(scenario, options.capabilities);
    if (missing.length === 0) return true;
    const reason = `the engine lacks ${missing.join(", ")}`;
    for (const adapter of adapters) {
      const skip = { scenario: scenario.id, adapter: adapter.name, reason };
      skipped.push(skip);
      log(skipLine(skip));
    }
    return false;
  });
  for (const adapter of adapters) {
    const run = openLane(adapter, () => planLane(adapter, scenarios), skipped, log);
    if (adapter.prepare !== undefined && run.length > 0) {
      const chain = await measureChain(adapter, options.probe, newRunId());
      chains.push(chain);
      log(chainLine(chain));
    }
    if (run.length > 0) results.push(...(await runGate(run, { ...options, adapter })).results);
  }
  return { schemaVersion: SCHEMA_VERSION, probe: options.probe.name, results, verdict: overall(results), skipped, chains };
}

export function skipsText(skipped: readonly Skip[]): string {
  if (skipped.length === 0) return "";
  return `${skipped.length} skipped (not run, so not proven): ${skipped.map((s) => `${s.adapter}/${s.scenario}`).join(", ")}`;
}
