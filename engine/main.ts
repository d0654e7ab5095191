// The reference engine as a process: `node dist/engine/main.js`, configured by the protocol's hello.
import "../protocol/zod-jitless.js";
import { runReferenceEngine } from "./reference-engine.js";

runReferenceEngine();
