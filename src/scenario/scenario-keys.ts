// The keys each scenario mapping accepts. The validator reads these lists, and a test checks
// that schema/scenario.schema.json declares exactly the same keys (both ways).

export const SCENARIO_KEYS = {
  top: ['$schema', 'name', 'description', 'target', 'targets', 'client', 'load', 'requests', 'flows', 'data', 'thresholds', 'interval',
    // issue 15 (sess-web)
    'cookies',
    // issue 15 flows/feeders (sess-flow)
    'setup', 'teardown', 'seed',
    // issue 16 hooks/replay (hooks)
    'hooks'],
  client: ['connections', 'pipelining', 'timeout', 'keepalive', 'insecure', 'resolve', 'headers', 'workers', 'maxResponseBodySize', 'protocol',
    // issue 15 (sess-web)
    'compressed', 'auth',
    // issue 15 (sess-net)
    'tls', 'proxy', 'noProxy'],
  phase: ['name', 'duration', 'connections', 'rate', 'rampTo', 'stairs', 'warmup', 'iterations', 'requests',
    // issue 16 hooks/replay (hooks)
    'replay', 'speed',
    // issue 18 capacity (capacity)
    'search'],
  stairs: ['from', 'to', 'step', 'every'],
  // issue 18 capacity (capacity)
  search: ['slo', 'from', 'to', 'step', 'stepDuration', 'hold', 'maxDuration', 'tolerance'],
  request: ['name', 'weight', 'method', 'path', 'url', 'headers', 'body', 'bodyFile', 'expect',
    // issue 15 (sess-web)
    'compressed', 'auth', 'form', 'multipart',
    // issue 18 (streaming)
    'stream'],
  expect: ['status', 'headers', 'bodyContains'],
  flow: ['name', 'weight', 'steps', 'think', 'pace'],
  step: ['name', 'method', 'path', 'url', 'headers', 'body', 'bodyFile', 'expect', 'capture', 'think',
    // issue 15 (sess-web)
    'compressed', 'auth', 'form', 'multipart',
    // issue 18 (streaming)
    'stream',
    // issue 18 websocket
    'ws'],
  capture: ['json', 'header', 'regex'],
  data: ['file', 'order', 'format', 'onExhausted'],
  threshold: ['check', 'request', 'abortOnFail'],
  // issue 15 (sess-web)
  cookies: ['keep', 'values'],
  auth: ['user', 'password'],
  multipartFile: ['file', 'type', 'filename'],
  // issue 15 flows/feeders (sess-flow)
  think: ['mean', 'dist', 'sd'],
  session: ['steps', 'think'],
  // issue 15 (sess-net): TLS identity and proxies, in client: and per target
  tls: ['ca', 'cert', 'key', 'pfx', 'passphrase', 'servername', 'minVersion', 'maxVersion', 'ciphers', 'alpn'],
  target: ['url', 'tls', 'proxy'],
  // issue 18 websocket: a `ws:` flow step
  ws: ['path', 'url', 'headers', 'send', 'expect'],
  wsExpect: ['contains'],
} as const satisfies Record<string, readonly string[]>;
