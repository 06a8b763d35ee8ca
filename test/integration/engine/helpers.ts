// Shared by the engine integration tests: a scenario built in code, and servers on 127.0.0.1:0.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServer, type FastbenchServer } from '../../../src/server/server.js';
import { parseScenario, type Scenario } from '../../../src/scenario/index.js';

/** The bundled server in this process. */
export async function startBundled(): Promise<{ url: string; server: FastbenchServer }> {
  const server = createServer({ port: 0, quiet: true });
  const info = await server.listen();
  return { url: info.url, server };
}

/** A node:http server whose handler the test controls. */
export async function startNodeServer(handler: http.RequestListener): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer({ keepAlive: true }, handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A scenario from YAML text (positions point at "<test>.yaml"). */
export function scenario(yaml: string): Scenario {
  return parseScenario(yaml, '/tmp/fastbench-engine-test.yaml', { processEnv: {} });
}
