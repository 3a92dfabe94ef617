// The loadbalance switch: on by default (as in every distribution's Corefile), `--no-loadbalance`
// and the YAML key `loadbalance: false` turn it off, a non-boolean is refused with the key named.
import { DEFAULTS } from '../../src/config/options';
import { flagsToOptions } from '../../src/config/flags';
import { mergeOptions, parseConfigText } from '../../src/config/file';

test('default on', () => {
  expect(DEFAULTS.loadbalance).toBe(true);
  expect(mergeOptions(DEFAULTS, flagsToOptions({})).loadbalance).toBe(true);
});

test('--no-loadbalance (commander gives loadbalance: false) turns it off; its implied true changes nothing', () => {
  expect(flagsToOptions({ loadbalance: false })).toEqual({ loadbalance: false });
  expect(flagsToOptions({ loadbalance: true })).toEqual({});
});

test.each([
  ['loadbalance: false\n', false],
  ['loadbalance: true\n', true],
])('YAML %j', (text, want) => {
  expect(mergeOptions(DEFAULTS, parseConfigText(text, 'c.yaml')).loadbalance).toBe(want);
});

test('YAML loadbalance: a non-boolean names the file, line and key', () => {
  expect(() => parseConfigText('ttl: 30\nloadbalance: sometimes\n', 'c.yaml')).toThrow(/^CDNS_CONFIG_TYPE: c\.yaml:2: loadbalance: expected true or false, got "sometimes"$/);
});
