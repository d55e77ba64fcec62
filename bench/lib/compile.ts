// Peers are written in TypeScript but run as plain JavaScript, like the
// astral-auth build they are compared with: no TypeScript loader sits in
// their processes. Each peer file is transpiled (types stripped, nothing
// bundled) into bench/.build/peers/, next to bench/node_modules for imports.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { transform } from "esbuild";

export async function compilePeer(benchDir: string, script: string): Promise<string> {
  const source = join(benchDir, "peers", script);
  const outDir = join(benchDir, ".build", "peers");
  mkdirSync(outDir, { recursive: true });
  const out = join(outDir, basename(script, ".ts") + ".mjs");
  const { code } = await transform(readFileSync(source, "utf8"), { loader: "ts", format: "esm", target: "node20", sourcefile: source });
  writeFileSync(out, code);
  return out;
}
