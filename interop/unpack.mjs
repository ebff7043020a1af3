// Unpack the registry's @aws/agentcore 0.30.0 into ./agentcore-cli with only the dependencies its
// bundle loads. The published manifest also pins packages the registry no longer serves
// (@aws/agent-inspector 0.6.1, @aws-sdk/client-s3files ^3.1067.0), so `npm install` of the
// package as published fails; dist/cli/index.mjs bundles everything except the imports kept here.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { builtinModules } from "node:module";
import { mkdirSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";

const SPEC = "@aws/agentcore@0.30.0";
// The registry's published integrity for that version (`npm view @aws/agentcore@0.30.0 dist.integrity`).
const INTEGRITY =
  "sha512-V094GyPZsT0fowb5QNPvnOvWLKBjmKK56sZSEAqbKtpZUxq3jmyCS4efouI2/Ei1sYR79Tp/rQVjbXGeASqJwg==";
// Bare imports of dist/cli/index.mjs that are not Node built-ins, at the versions its
// npm-shrinkwrap.json resolved them to.
const KEEP = { "@aws-cdk/toolkit-lib": "1.28.0" };

const here = new URL(".", import.meta.url).pathname;
const cache = join(here, ".cache");
const target = join(here, "agentcore-cli");
const stamp = join(target, ".unpacked");

if (existsSync(stamp) && readFileSync(stamp, "utf8") === INTEGRITY) process.exit(0);
mkdirSync(cache, { recursive: true });
const packed = JSON.parse(
  execFileSync("npm", ["pack", SPEC, "--json", "--pack-destination", cache], { encoding: "utf8" }),
)[0];
const tarball = join(cache, packed.filename);
const digest = "sha512-" + createHash("sha512").update(readFileSync(tarball)).digest("base64");
if (digest !== INTEGRITY) {
  console.error(`${SPEC}: tarball integrity ${digest} differs from the pinned ${INTEGRITY}`);
  process.exit(1);
}
rmSync(target, { recursive: true, force: true });
mkdirSync(target);
execFileSync("tar", ["-xzf", tarball, "-C", target, "--strip-components=1"]);

const bundle = readFileSync(join(target, "dist/cli/index.mjs"), "utf8");
const imports = new Set();
for (const m of bundle.matchAll(/import\s*(?:\{[^}]*\}|\*\s*as\s+[\w$]+|[\w$]+)\s*from\s*"([^".][^"]*)"/g)) {
  const name = m[1].replace(/^node:/, "");
  if (!builtinModules.includes(name) && !builtinModules.includes(name.split("/")[0])) imports.add(m[1]);
}
const unexpected = [...imports].filter((name) => !(name in KEEP));
if (unexpected.length) {
  console.error(`${SPEC}: the bundle imports ${unexpected.join(", ")}, which unpack.mjs does not keep`);
  process.exit(1);
}

const manifest = JSON.parse(readFileSync(join(target, "package.json"), "utf8"));
const trimmed = {
  name: manifest.name,
  version: manifest.version,
  license: manifest.license,
  bin: manifest.bin,
  engines: manifest.engines,
  dependencies: KEEP,
};
writeFileSync(join(target, "package.json"), JSON.stringify(trimmed, null, 2) + "\n");
rmSync(join(target, "npm-shrinkwrap.json"), { force: true });
writeFileSync(stamp, INTEGRITY);
console.log(`unpacked ${SPEC} into ${target} (dependencies: ${Object.keys(KEEP).join(", ")})`);
