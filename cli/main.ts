#!/usr/bin/env node
// The reapcheck command line's entry: the program (program.ts), from its bundle when it is fresh.
import { fileURLToPath, pathToFileURL } from "node:url";
import { programEntry } from "./program-entry.js";

const here = (name: string): string => fileURLToPath(new URL(name, import.meta.url));
const entry = programEntry({ bundle: here("./program.bundle.mjs"), modules: here("./program.js"), lastCompile: here("../.tsbuildinfo") });
await import(pathToFileURL(entry).href);
