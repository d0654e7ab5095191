// Whether a command would be found on PATH, as a shell looks it up: an executable file in one of
// PATH's directories.
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";

export function onPath(command: string): boolean {
  return (process.env.PATH ?? "").split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, command), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}
