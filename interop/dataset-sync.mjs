// Node --import preload for tests/interop: run the AgentCore CLI's post-deploy dataset sync on its own.
// `agentcore deploy` pushes each deployed dataset's local JSONL file (its syncDatasets step: Get, Add,
// Update and DeleteDatasetExamples, waiting for ACTIVE between batches) only after a CDK/CloudFormation
// stack deploy, which the emulator does not serve. With EVALCTL_INTEROP_SYNC=1 the bundle's command-line
// entry point is swapped for that one step, called with what deploy passes it (project spec, deployed
// state, first target); every other line of the CLI runs unchanged. The bundle's own functions are found
// by the names esbuild keeps for them ("syncDatasets", "ConfigIO"), so a new release that renames or
// reshapes them fails here loudly instead of testing something else.
import { isMainThread } from "node:worker_threads";
import { register } from "node:module";

const ENTRY = /([A-Za-z0-9_$]+)\(process\.argv\)\.catch\(/g;

function named(source, pattern, what) {
  const found = source.match(pattern);
  if (!found) throw new Error(`tests/interop: the CLI bundle has no ${what}; dataset-sync.mjs needs updating`);
  return found[1];
}

// Runs in the loader thread: rewrites the bundle's last statement (its `main(process.argv)` call).
export async function load(url, context, nextLoad) {
  const loaded = await nextLoad(url, context);
  if (!url.endsWith("/dist/cli/index.mjs")) return loaded;
  const source = String(loaded.source);
  const sync = named(source, /s\(([A-Za-z0-9_$]+),"syncDatasets"\)/, "syncDatasets function");
  const escaped = sync.replace(/\$/g, "\\$");
  const module = new RegExp(`var ([A-Za-z0-9_$]+)=N\\(\\(\\)=>\\{"use strict";[^}]*s\\(${escaped},"syncDatasets"\\)`);
  const init = named(source, module, "syncDatasets module");
  const configIo = named(source, /([A-Za-z0-9_$]+)=class\{static\{s\(this,"ConfigIO"\)\}/, "ConfigIO class");
  const entries = [...source.matchAll(ENTRY)];
  if (entries.length === 0) throw new Error("tests/interop: the CLI bundle's entry point was not found");
  const last = entries[entries.length - 1];
  const swapped = `globalThis.__evalctlSyncDatasets({ConfigIO:${configIo},syncDatasets:${sync},init:${init}})(process.argv).catch(`;
  const rewritten = source.slice(0, last.index) + swapped + source.slice(last.index + last[0].length);
  return { ...loaded, source: rewritten, shortCircuit: true };
}

// The lines of `agentcore deploy` (0.30.0, after "Persist deployment state") that sync datasets.
async function syncLikeDeploy({ ConfigIO, syncDatasets, init }) {
  init();
  const io = new ConfigIO();
  const spec = await io.readProjectSpec();
  const [target] = await io.readAWSDeploymentTargets();
  const state = await io.readDeployedState();
  const deployed = state.targets?.[target.name]?.resources?.datasets ?? {};
  const result = await syncDatasets({
    region: target.region,
    datasets: spec.datasets ?? [],
    deployedDatasets: deployed,
    configBaseDir: io.getConfigRoot(),
  });
  if (result.results.some((r) => r.status === "synced")) {
    const fresh = await io.readDeployedState();
    fresh.targets[target.name].resources.datasets = result.updatedDatasets;
    await io.writeDeployedState(fresh);
  }
  console.log(JSON.stringify({ success: !result.hasErrors, results: result.results }));
}

if (isMainThread && process.env.EVALCTL_INTEROP_SYNC === "1") {
  globalThis.__evalctlSyncDatasets = (cli) => () => syncLikeDeploy(cli);
  register(import.meta.url);
}
