// Hooks for hooks-branch.yaml: the next flow step chosen from the last response.
export const afterResponse = {
  // The lookup answered with the user's tier (captured into vars.tier by the scenario): premium
  // users go on to "premium", the others to "basic". Writing vu.vars.tier changes what later
  // steps render with {{vars.tier}}.
  lookup(res, vu) {
    if (res.status !== 200) return false; // fails the step (ERR_HOOK_REJECTED)
    if (vu.vars.tier === '1') {
      vu.vars.tier = 'gold';
      vu.next = 'premium';
    } else {
      vu.next = 'basic';
    }
  },
  // "basic" ends the iteration: without this the flow would go on to the next step in order.
  basic(res, vu) {
    vu.next = false;
  },
};
