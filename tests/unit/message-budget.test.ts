// The socket message budget's token bucket (src/server/gateway/message-budget.ts), on a clock the test moves.
import { describe, expect, it } from 'vitest';
import { MessageBudget } from '../../src/server/gateway/message-budget.js';

describe('message budget', () => {
  it('allows the burst at once, then the rate, and never saves up more than the burst', () => {
    let now = 0;
    const budget = new MessageBudget(20, 5, () => now);
    for (let i = 0; i < 5; i++) expect(budget.take()).toBe(true);
    expect(budget.take()).toBe(false);
    now += 50; // one message's worth at 20 a second
    expect(budget.take()).toBe(true);
    expect(budget.take()).toBe(false);
    now += 60_000; // a quiet minute refills to the burst, not to 1200
    for (let i = 0; i < 5; i++) expect(budget.take()).toBe(true);
    expect(budget.take()).toBe(false);
  });

  it('a client at the rate is never refused', () => {
    let now = 0;
    const budget = new MessageBudget(20, 1, () => now);
    for (let i = 0; i < 1000; i++) {
      expect(budget.take()).toBe(true);
      now += 50;
    }
  });
});
