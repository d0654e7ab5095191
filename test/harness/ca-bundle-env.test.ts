// NODE_EXTRA_CA_CERTS costs every node process that starts with it the parse of a CA bundle: our
// TLS-free processes start without it, and a real adapter's chain still gets the user's value.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CA_BUNDLE_ENV } from "../../harness/ca-bundle-env.js";
import { RUN_TAG } from "../../protocol/tags.js";
import { profileNamed } from "../../harness/adapters/registry.js";
import { ProcScan } from "../../harness/probes/proc-scan.js";
import { waitUntil } from "../../harness/wait-until.js";
import { readEnvVar } from "../../os/proc-stat.js";
import { isAlive } from "../../result/process.js";
import { agentStep, startEngine } from "../support/engine.js";

let dir: string;
const saved = process.env[CA_BUNDLE_ENV];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "reapcheck-ca-"));
  // An empty bundle: node warns that it holds no certificate, which nothing here reads.
  process.env[CA_BUNDLE_ENV] = join(dir, "bundle.pem");
  await writeFile(process.env[CA_BUNDLE_ENV], "");
});

afterAll(async () => {
  if (saved === undefined) delete process.env[CA_BUNDLE_ENV];
  else process.env[CA_BUNDLE_ENV] = saved;
  await rm(dir, { recursive: true, force: true });
});

describe("the CA bundle variable", () => {
  it("is not in the reference engine's environment nor in its fake chain's, though the harness has it", async () => {
    const test = await startEngine();
    try {
      await test.engine.ready;
      const reply = await test.engine.request({ cmd: "submit", jobId: `${test.run}.job`, flow: { steps: [agentStep("work", "a long turn", { latency_ms: 60_000 })] } });
      expect(reply.ok).toBe(true);
      const probe = new ProcScan();
      const chain = await waitUntil(
        async () => (await probe.scan()).filter((p) => p.run === test.run && p.job !== null && isAlive(p)),
        (found) => found.some((p) => p.args.includes("fake/agent")) && found.some((p) => p.args.includes("fake-cli")),
        { deadlineMs: 10_000 },
      );
      expect(chain.ok).toBe(true);
      const ours = [test.engine.pid, ...chain.value.map((p) => p.pid)];
      expect(ours.map((pid) => readEnvVar(pid, RUN_TAG))).toEqual(ours.map(() => test.run));
      expect(ours.map((pid) => readEnvVar(pid, CA_BUNDLE_ENV))).toEqual(ours.map(() => null));
    } finally {
      expect(await test.close()).toBe(0);
    }
  });

  it("is passed on to a real adapter's chain in its launch", () => {
    for (const name of ["claude-agent-acp", "gemini", "codex-acp"]) {
      expect(profileNamed(name).launch().env[CA_BUNDLE_ENV]).toBe(process.env[CA_BUNDLE_ENV]);
    }
  });
});
