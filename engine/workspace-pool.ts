// A per-job working directory: stands for the VM and container pools of real engines.
import { mkdir, readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import type { ResourceManager } from "./resource-manager.js";

export class WorkspacePool implements ResourceManager {
  readonly name = "workspace-pool";
  readonly releasedJobs: string[] = [];
  private readonly dirs = new Map<string, string>();

  constructor(private readonly root: string) {}

  async acquire(jobId: string): Promise<string> {
    const dir = join(this.root, jobId);
    await mkdir(dir, { recursive: true });
    this.dirs.set(jobId, dir);
    return dir;
  }

  async releaseForJob(jobId: string): Promise<void> {
    this.releasedJobs.push(jobId);
    const dir = this.dirs.get(jobId);
    this.dirs.delete(jobId);
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  }

  /** Removes what is left; not a per-job release, so the ledger still shows who was skipped. */
  async releaseAll(): Promise<void> {
    const dirs = [...this.dirs.values()];
    this.dirs.clear();
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  }

  /**
   * At boot no job holds a workspace yet: whatever a crashed predecessor left (a job that ended
   * but crashed before its release) goes. Stranded jobs acquire theirs again as they are restored.
   */
  async sweepOrphans(): Promise<void> {
    const left = await readdir(this.root).catch(() => [] as string[]);
    await Promise.all(left.map((name) => rm(join(this.root, name), { recursive: true, force: true })));
  }

  snapshot(): { jobId: string; dir: string }[] {
    return [...this.dirs].map(([jobId, dir]) => ({ jobId, dir }));
  }
}
