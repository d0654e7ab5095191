// Global setup: our own test runs must leave no process carrying a reapcheck run or job tag.
import { globalLeakCheck } from "../../api/vitest.js";
export const setup = globalLeakCheck({ requireTag: ["REAPCHECK_RUN", "REAPCHECK_JOB"] });
