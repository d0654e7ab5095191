// Imported first by the entries of short-lived processes, the reference engine and the fake
// adapter. By default zod compiles a parser for each object schema at its first parse (with `new
// Function`); a process that parses each kind of message a few times before it exits pays more to
// compile them than they save. zod reads the setting when it makes a schema, so this module must
// be evaluated before any schema module: hence an import of its own, listed in package.json's
// `sideEffects` so that no bundler drops it.
import { config } from "zod";

config({ jitless: true });
