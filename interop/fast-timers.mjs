// Node --import preload for tests/interop: cap the AgentCore CLI's timer delays.
// `run eval --dataset` sleeps a fixed 180 s "for span ingestion" after invoking the agent, then polls
// CloudWatch every 5 s (0.30.0's collectSpans). The emulator stores spans as the agent exports them,
// so with EVALCTL_INTEROP_MAX_DELAY_MS set, every setTimeout waits at most that long: the CLI's own
// poll loops still decide when the spans are there; only the idle waiting is shortened.
const cap = Number(process.env.EVALCTL_INTEROP_MAX_DELAY_MS ?? "");
if (Number.isFinite(cap) && cap >= 0) {
  const realSetTimeout = globalThis.setTimeout;
  globalThis.setTimeout = function cappedSetTimeout(callback, delay, ...args) {
    return realSetTimeout(callback, Math.min(Number(delay) || 0, cap), ...args);
  };
}
