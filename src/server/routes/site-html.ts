// HTML for the synthetic site's pages (see site-model.ts for what is on them).
import { Prng } from './prng.js';
import { LARGE_PAGE_BYTES, type SitePage, siteWords } from './site-model.js';

const ESC: Record<string, string> = { '&': '&amp;', '"': '&quot;', "'": '&#39;', '<': '&lt;', '>': '&gt;' };

export function escapeHtml(s: string): string {
  return s.replace(/[&"'<>]/g, (c) => ESC[c]!);
}

function renderLinks(page: SitePage, from: number, to: number, out: string[]): void {
  for (let i = from; i < to; i++) {
    const l = page.links[i]!;
    const rel = l.nofollow ? ' rel="nofollow"' : '';
    // Every fifth link uses single quotes, to keep extractors honest.
    const href = i % 5 === 4 ? `href='${escapeHtml(l.href)}'` : `href="${escapeHtml(l.href)}"`;
    out.push(`<li><a ${href}${rel}>${escapeHtml(l.text)}</a></li>`);
  }
}

/** The page as HTML. Large pages carry ~200 KiB of filler between two halves of their links. */
export function renderSitePage(page: SitePage): string {
  const out: string[] = [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<title>${escapeHtml(page.title)}</title>`,
  ];
  if (page.baseHref !== undefined) out.push(`<base href="${escapeHtml(page.baseHref)}">`);
  if (page.canonical !== undefined) out.push(`<link rel="canonical" href="${escapeHtml(page.canonical)}">`);
  if (page.metaRobots !== undefined) out.push(`<meta name="robots" content="${escapeHtml(page.metaRobots)}">`);
  out.push('</head><body>', `<h1>${escapeHtml(page.title)}</h1>`, `<p>${escapeHtml(page.text)}</p>`, '<ul>');
  const half = page.large ? page.links.length >> 1 : page.links.length;
  renderLinks(page, 0, half, out);
  if (page.large) {
    out.push('</ul>');
    const prng = new Prng(page.fillerSeed);
    let size = 0;
    while (size < LARGE_PAGE_BYTES) {
      const para = `<p>${siteWords(prng, 60)}</p>`;
      out.push(para);
      size += para.length + 1;
    }
    out.push('<ul>');
    renderLinks(page, half, page.links.length, out);
  }
  out.push('</ul>', '</body></html>', '');
  return page.wide === true ? out.map((l) => `  ${l}  `).join('\r\n\r\n') : out.join('\n');
}

export const SITE_NOT_FOUND_HTML =
  '<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>Not found</title></head>\n' +
  '<body><h1>404 Not Found</h1><p><a href="/site/">Home</a></p></body></html>\n';
