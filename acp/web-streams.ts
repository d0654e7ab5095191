// ACP's ndJsonStream runs over web streams, which node makes from its own streams with adapters
// it compiles at their first use.
import { Readable, Writable } from "node:stream";

/** Uses the adapters once: called while a startup snapshot is made, they are in the snapshot instead of compiled at every start. */
export function loadWebStreamAdapters(): void {
  Readable.toWeb(new Readable());
  Writable.toWeb(new Writable());
}
