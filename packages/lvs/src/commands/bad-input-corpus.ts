/** Hostile or malformed strings every validated input must refuse (shared by the argv and config tests). */
export const BAD_STRINGS: readonly string[] = [
  '$(touch /tmp/x)',
  '`id`',
  '; rm -rf /',
  '1.2.3.4; rm -rf /',
  '1.2.3.4\nrm -rf /',
  '1.2.3.4\0',
  '\0',
  '-A',
  '--clear',
  '-C',
  '1.2.3.4 -C',
  '| cat /etc/shadow',
  '&& reboot',
  '> /etc/passwd',
  "'; DROP TABLE x; --",
  '"quoted"',
  '{ }',
  '../../etc/passwd',
  '2001:db8::1%eth0',
  '2001:db8:::1',
  'fe80::1/64',
  '1.2.3.4/32',
  '',
  ' ',
  'a'.repeat(5000),
];

/** Well-formed-looking but invalid addresses (some are legal interface names, so they are checked as addresses only). */
export const MALFORMED_ADDRESSES: readonly string[] = ['256.1.1.1', '1.2.3', '1.2.3.4.5', '01.2.3.4', '1.2.3.-4', '::g', '1::2::3', 'localhost', 'example.com'];

/** Numbers outside every range Fulcrum accepts, or not whole. */
export const BAD_NUMBERS: readonly number[] = [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53, 65536, 4294967296];
