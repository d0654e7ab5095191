// A per-job working directory: stands for the VM and container pools of real engines.
import { mkdir, rm } from "node:fs/promises";
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

  async releaseAll(): Promise<void> {
    await Promise.all([...this.dirs.keys()].map((jobId) => this.releaseForJob(jobId)));
  }

  snapshot(): { jobId: string; dir: string }[] {
    return [...this.dirs].map(([jobId, dir]) => ({ jobId, dir }));
  }
}
