#!/usr/bin/env node
// Regenerates docs/ERRORS.md from the error registry (src/core/errors.ts, via dist/).
// Usage: npm run docs:errors   (builds first)
import { writeFileSync } from 'node:fs';
import { renderErrorsDoc } from '../dist/core/errors-doc.js';

writeFileSync(new URL('../docs/ERRORS.md', import.meta.url), renderErrorsDoc());
console.log('docs/ERRORS.md written');
