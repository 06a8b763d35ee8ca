// `--dashboard[=host:port]`: a small node:http server in the main process (never on the load
// path: it hears from the run once per closed interval) serving
//   /             the live page (dashboard-page.ts)
//   /events       server-sent events: `init` (the rows so far) on connect, `interval` per closed
//                 interval, `final` when the run ended
//   /report       the final HTML report (report.html's renderer), once the run ended
//   /report.html  the same as a download
// When the run ends the page swaps itself for /report. The server then closes once every page
// that was watching has fetched the report (or after FINAL_GRACE_MS), unless it is kept
// (--dashboard-keep) until the process is told to stop.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RunResult } from '../metrics/run-result.js';
import { renderDashboard } from './dashboard-page.js';
import { renderHtml } from './html-report.js';
import { listen, urlHost } from './live-prometheus.js';
import type { LiveRow, LiveState } from './live-state.js';

/** Default address: 127.0.0.1 on this port. */
export const DASHBOARD_DEFAULT_PORT = 5665;

/** How long a finished run's dashboard waits for its watching pages to fetch the report, ms. */
export const FINAL_GRACE_MS = 3000;

export interface DashboardOptions {
  host: string;
  port: number;
}

export class LiveDashboard {
  private server: Server | undefined;
  private readonly clients = new Set<ServerResponse>();
  private page: string | undefined;
  private report: string | undefined;
  /** Pages that saw the run end and have not fetched the report yet. */
  private pendingReports = 0;
  private reportFetched: (() => void) | undefined;

  constructor(private readonly state: LiveState, private readonly options: DashboardOptions) {}

  /** Listens; resolves to the page's URL. */
  async start(): Promise<string> {
    const server = createServer((req, res) => this.handle(req, res));
    this.server = server;
    await listen(server, this.options.host, this.options.port, '--dashboard');
    const a = server.address() as AddressInfo;
    return `http://${urlHost(a.address)}:${a.port}/`;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/') {
      this.page ??= renderDashboard(this.state.options.scenario, this.state.options.note);
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(this.page);
    } else if (path === '/events') {
      this.subscribe(res);
    } else if ((path === '/report' || path === '/report.html') && this.report !== undefined) {
      const headers: Record<string, string> = { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' };
      if (path === '/report.html') headers['content-disposition'] = 'attachment; filename="report.html"';
      res.writeHead(200, headers).end(path === '/report' ? withSaveLink(this.report) : this.report);
      if (path === '/report' && this.pendingReports > 0 && --this.pendingReports === 0) this.reportFetched?.();
    } else if (path === '/report' || path === '/report.html') {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('the run is still going: the report exists once it ends\n');
    } else {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found\n');
    }
  }

  private subscribe(res: ServerResponse): void {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
    const s = this.state;
    res.write(event('init', { scenario: s.options.scenario, rows: s.rows, totals: s.totals(), final: this.report !== undefined }));
    if (this.report !== undefined) {
      res.end();
      return;
    }
    this.clients.add(res);
    res.on('close', () => this.clients.delete(res));
  }

  /** A closed interval (already added to the state). */
  push(row: LiveRow): void {
    if (this.clients.size === 0) return;
    const data = event('interval', { row, totals: this.state.totals() });
    for (const c of this.clients) c.write(data);
  }

  /** The run ended: the report (report.html's, or `html`) is served and every watching page is told to swap to it. */
  finish(result: RunResult | { html: string }): void {
    this.report = 'html' in result ? result.html : renderHtml(result);
    this.pendingReports = this.clients.size;
    for (const c of this.clients) c.end(event('final', {}));
    this.clients.clear();
  }

  /** After finish: resolves once the watching pages fetched the report, or after graceMs. */
  settle(graceMs = FINAL_GRACE_MS): Promise<void> {
    if (this.pendingReports === 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, graceMs);
      this.reportFetched = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server === undefined) return;
    for (const c of this.clients) c.end();
    this.clients.clear();
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }
}

function event(name: string, data: unknown): string {
  return `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** The final report as the dashboard serves it: with a bar offering it as a download. */
function withSaveLink(html: string): string {
  const bar = '<div id="fastbench-final" style="background:#ecfdf5;border:1px solid #10b981;border-radius:6px;padding:.4em .8em;margin:.4em 0">' +
    'The run ended: this is its final report. <a href="/report.html" download="report.html">Save report.html</a></div>';
  return html.replace('<body>', `<body>\n${bar}`);
}
