// resolve/local.ts: the memo of locally computed answers, valid for one generation. A new
// generation empties it (an answer never outlives the view it came from); a set computed
// against an old generation is dropped; a flood of names cannot grow it past its bound.
import { LocalAnswers } from '../../src/resolve/local';
import { emptyAnswer } from '../../src/dns/encoded';

const a1 = emptyAnswer(0);
const a2 = emptyAnswer(3);

describe('LocalAnswers', () => {
  test('answers are kept for their generation only', () => {
    const m = new LocalAnswers(10);
    expect(m.get('k', 1)).toBeUndefined();
    m.set('k', 1, a1);
    expect(m.get('k', 1)).toBe(a1);
    expect(m.get('k', 2)).toBeUndefined(); // the view moved: gone
    expect(m.size).toBe(0);
    expect(m.get('k', 1)).toBeUndefined(); // and it does not come back with the old number
  });

  test('a set for a generation that has moved on is ignored', () => {
    const m = new LocalAnswers(10);
    m.get('x', 5);
    m.set('k', 4, a1);
    expect(m.get('k', 5)).toBeUndefined();
    m.set('k', 5, a2);
    expect(m.get('k', 5)).toBe(a2);
  });

  test('bounded: when full it starts over rather than grow', () => {
    const m = new LocalAnswers(3);
    m.get('', 1);
    for (const k of ['a', 'b', 'c']) m.set(k, 1, a1);
    expect(m.size).toBe(3);
    m.set('d', 1, a2);
    expect(m.size).toBeLessThanOrEqual(3);
    expect(m.get('d', 1)).toBe(a2);
    for (let i = 0; i < 1000; i++) m.set(`n${i}`, 1, a1);
    expect(m.size).toBeLessThanOrEqual(3);
  });
});
