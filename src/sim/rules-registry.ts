/**
 * Which SimRules a scenario's `rules.name` selects (docs/simulate.md#rules-interface). A new
 * rule set adds its name to scenario.ts RULE_NAMES and a case here.
 */
import type { SimRules, SimShare } from './rules.js';
import type { Scenario } from './scenario.js';
import { FairSimRules } from './fair-rules.js';
import { V35Rules } from './v35-rules.js';

export function rulesFor(sc: Scenario): SimRules<SimShare> {
  switch (sc.rules.name) {
    case 'v35':
      return new V35Rules(sc.rules, sc.options);
    case 'fair':
      return new FairSimRules(sc.rules, sc.options) as unknown as SimRules<SimShare>;
  }
}
