// The reference engine's entry as a V8 startup snapshot, made by `npm run build`: the SDK, zod
// and the engine's modules are loaded once, when the snapshot is made, not at every start.
import "../protocol/zod-jitless.js";
import { startupSnapshot } from "node:v8";
import { loadWebStreamAdapters } from "../acp/web-streams.js";
import { runReferenceEngine } from "./reference-engine.js";

loadWebStreamAdapters();
startupSnapshot.setDeserializeMainFunction(runReferenceEngine);
