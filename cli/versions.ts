// What a bug report needs to say about where it ran: reapcheck, Node, the OS and the adapter.
import { readFileSync } from "node:fs";
import { arch, release, type } from "node:os";
import { join } from "node:path";
import type { Versions } from "../reports/repro-bundle.js";
import type { AdapterProfile } from "../harness/adapters/profile.js";
import { PACKAGE_ROOT } from "../harness/compiled-paths.js";

function packageVersion(dir: string): string {
  try {
    return (JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { version?: string }).version ?? "unknown";
  } catch {
    return "unknown";
  }
}

/** The distribution's own name where it gives one ("Debian GNU/Linux 12 (bookworm)"). */
function distribution(): string | null {
  try {
    return /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(readFileSync("/etc/os-release", "utf8"))?.[1] ?? null;
  } catch {
    return null;
  }
}

export function versions(adapter: AdapterProfile): Versions {
  const distro = distribution();
  const sdk = packageVersion(join(PACKAGE_ROOT, "node_modules", "@agentclientprotocol", "sdk"));
  return {
    reapcheck: packageVersion(PACKAGE_ROOT),
    node: process.version,
    os: `${type()} ${release()} ${arch()}${distro === null ? "" : ` (${distro})`}`,
    adapter: `${adapter.name}: ${adapter.chain.join(" → ")}; @agentclientprotocol/sdk ${sdk}`,
  };
}
