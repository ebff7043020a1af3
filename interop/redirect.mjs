// Node --import preload for tests/interop: send the AgentCore CLI's AWS traffic to the emulator.
// The CLI's SDK clients honour AWS_ENDPOINT_URL, but its hand-signed data-plane calls (batch
// evaluations, datasets, ...) build `https://bedrock-agentcore.<region>.amazonaws.com` themselves
// and call global fetch(). Those are rewritten to EVALCTL_INTEROP_ENDPOINT; fetch derives Host from
// the URL (it drops the signed `host` header), so the emulator sees its own address. Every other
// non-loopback request is refused: a test never reaches the internet (update checks) or real AWS.
import http from "node:http";
import https from "node:https";
import { appendFileSync } from "node:fs";

const endpoint = new URL(process.env.EVALCTL_INTEROP_ENDPOINT ?? "");
const journal = process.env.EVALCTL_INTEROP_JOURNAL;
const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);
const realFetch = globalThis.fetch;

function isAws(hostname) {
  return hostname === "amazonaws.com" || hostname.endsWith(".amazonaws.com");
}

function note(line) {
  if (journal) appendFileSync(journal, line + "\n");
}

globalThis.fetch = async function redirectedFetch(input, init = {}) {
  const request = input instanceof Request ? input : null;
  const url = new URL(request ? request.url : String(input));
  if (isAws(url.hostname)) {
    const moved = new URL(url.pathname + url.search, endpoint);
    note(`fetch ${init.method ?? request?.method ?? "GET"} ${url.host}${url.pathname} -> ${moved.host}`);
    return realFetch(request ? new Request(moved, request) : moved, init);
  }
  // data: URLs are local (the bundle loads a WebAssembly module that way).
  if (url.protocol !== "data:" && !LOOPBACK.has(url.hostname)) {
    note(`refused fetch ${url.href.slice(0, 120)}`);
    throw new TypeError(`tests/interop: refusing to reach ${url.origin} (only the emulator is reachable)`);
  }
  return realFetch(input, init);
};

// SDK clients use node:https unless AWS_ENDPOINT_URL points them at the emulator. A client built with an
// explicit AWS endpoint (the CLI's InvokeAgentRuntime client passes `https://bedrock-agentcore.<region>
// .amazonaws.com` itself, which outranks AWS_ENDPOINT_URL) is sent to the emulator over plain HTTP, with
// the emulator as Host as fetch does; anything else going out over TLS would reach the internet, so it
// fails loudly instead.
const realHttpRequest = http.request;

function movedToEmulator(options) {
  const headers = Object.fromEntries(Object.entries(options.headers ?? {}).filter(([k]) => k.toLowerCase() !== "host"));
  headers.host = endpoint.host;
  const { agent: _tlsAgent, ...rest } = options;
  return { ...rest, protocol: "http:", host: endpoint.hostname, hostname: endpoint.hostname, port: endpoint.port, headers };
}

for (const name of ["request", "get"]) {
  https[name] = function redirectedHttps(...args) {
    const first = args[0];
    const isOptions = first && typeof first === "object" && !(first instanceof URL);
    const host = isOptions ? first.hostname ?? first.host : new URL(first).host;
    if (isOptions && isAws(String(host))) {
      note(`https ${first.method ?? "GET"} ${host}${String(first.path ?? "").split("?")[0]} -> ${endpoint.host}`);
      const request = realHttpRequest(movedToEmulator(first), ...args.slice(1));
      if (name === "get") request.end();
      return request;
    }
    note(`refused https ${host}`);
    throw new Error(`tests/interop: refusing https to ${host} (only the emulator is reachable)`);
  };
}
