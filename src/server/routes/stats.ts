// /__stats — the server's counters as JSON, from the callback the server passes in.
import type { Router } from '../router.js';
import type { Handler } from '../types.js';
import { JSON_HEADERS } from './reply.js';

const HEADERS: readonly string[] = Object.freeze([...JSON_HEADERS, 'Cache-Control', 'no-store']);

export function statsHandler(stats: () => object): Handler {
  return (_req, res) => res.send(200, JSON.stringify(stats(), null, 2) + '\n', HEADERS);
}

export function registerStats(router: Router, stats: () => object): void {
  router.get('/__stats', statsHandler(stats));
}
