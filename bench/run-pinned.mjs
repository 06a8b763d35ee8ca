#!/usr/bin/env node
// Runs `node [node-flags] script` pinned to one CPU with taskset when it exists (else unpinned,
// saying so). Usage: node bench/run-pinned.mjs <cpu> [node flags...] <script> [args...]
import { spawnSync } from 'node:child_process';

const [cpu, ...rest] = process.argv.slice(2);
const hasTaskset = spawnSync('taskset', ['--version']).status === 0;
if (!hasTaskset) console.error('taskset not found: running unpinned');
const cmd = hasTaskset ? 'taskset' : process.execPath;
const args = hasTaskset ? ['-c', cpu, process.execPath, ...rest] : rest;
const r = spawnSync(cmd, args, { stdio: 'inherit' });
process.exit(r.status ?? 1);
