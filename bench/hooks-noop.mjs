// bench/run.js --hooks: a hooks module that defines nothing for the benched request (only for a
// request name the bench never sends), so the benched request must keep its serialise-once fast
// path: fastbench+hooks should match fastbench within noise.
export const beforeRequest = {
  'not benched'(req) {
    req.headers['X-Never'] = '1';
  },
};
export const afterResponse = {
  'not benched'() {},
};
