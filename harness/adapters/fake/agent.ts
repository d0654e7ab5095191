// The fake ACP adapter's entry when it starts without a startup snapshot: node loads the SDK.
import "../../../protocol/zod-jitless.js";
import { fileURLToPath } from "node:url";
import { runAgent } from "./acp-agent.js";

runAgent(fileURLToPath(new URL("./cli.js", import.meta.url)));
