// The fake ACP adapter's entry as a V8 startup snapshot: the SDK and zod are loaded once, when
// `npm run build` makes the snapshot, instead of at every start of every chain.
import "../../../protocol/zod-jitless.js";
import { dirname, join } from "node:path";
import { startupSnapshot } from "node:v8";
import { loadWebStreamAdapters } from "../../../acp/web-streams.js";
import { runAgent } from "./acp-agent.js";

loadWebStreamAdapters();
startupSnapshot.setDeserializeMainFunction(() => {
  // The blob lies beside cli.js; the flag that named it is the only path this process is given.
  const blob = process.execArgv[process.execArgv.indexOf("--snapshot-blob") + 1] ?? "";
  runAgent(join(dirname(blob), "cli.js"));
});
