// The seeded PRNG moved to core/prng.ts (the engine's think times and feeders use it too).
export { Prng, mix32 } from '../../core/prng.js';
