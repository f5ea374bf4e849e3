// The socket message budget's token bucket (src/server/gateway/message-budget.ts), on a clock the test moves.
import { describe, expect, it } from 'vitest';
import { Cooldowns, MessageBudget } from '../../src/server/gateway/message-budget.js';

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

describe('flood cooldowns', () => {
  it('refuse an address for the cooldown, then forget it; 0 turns them off; the oldest goes past the limit', () => {
    let now = 0;
    const cooldowns = new Cooldowns(10_000, 2, () => now);
    cooldowns.add('10.0.0.1');
    expect(cooldowns.left('10.0.0.1')).toBe(10_000);
    expect(cooldowns.left('10.0.0.2')).toBe(0);
    now += 9_000;
    expect(cooldowns.left('10.0.0.1')).toBe(1_000);
    now += 1_000;
    expect(cooldowns.left('10.0.0.1')).toBe(0);
    cooldowns.add('a');
    cooldowns.add('b');
    cooldowns.add('c');
    expect([cooldowns.left('a'), cooldowns.left('b'), cooldowns.left('c')]).toEqual([0, 10_000, 10_000]);
    const off = new Cooldowns(0);
    off.add('10.0.0.1');
    expect(off.left('10.0.0.1')).toBe(0);
  });
});
