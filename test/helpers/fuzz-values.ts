// The fuzzer's catalogues of hostile values: unicode edge cases, injection strings, extreme
// numbers, impossible dates and times, bad identifiers, broken bodies and content types.
// Plain data (no fast-check): the arbitraries in fuzz-schema.ts pick from these lists.

/** Strings that are awkward for storage, comparison, search, rendering and PDF output. */
export const unicodeEdge: readonly string[] = [
  '\uD800', // lone high surrogate
  '\uDC00', // lone low surrogate
  'a\uDBFFz', // lone surrogate inside text
  '\uDC00\uD800', // reversed pair
  '\u202Egnp.exe', // right-to-left override
  '\u202B\u0645\u0631\u062D\u0628\u0627\u202C', // Arabic in an RTL embedding
  '\u05E9\u05DC\u05D5\u05DD abc', // Hebrew then Latin
  '\u200B\u200C\u200D\u2060', // zero-width characters only
  '\uFEFFAna', // byte-order mark first
  'Ana\u0000María', // NUL inside
  '\u0000',
  '\u0001\u001F\u007F\u0085', // control characters
  'line\u2028sep\u2029para',
  'tab\there\r\nnewline',
  '   ', // blanks only
  '\u00A0\u3000', // no-break and ideographic spaces
  '👮‍♀️🏳️‍🌈👨‍👩‍👧‍👦', // ZWJ emoji sequences
  '🇵🇦', // a flag (regional indicators)
  '𝕳𝖊𝖑𝖑𝖔 𝟘𝟙', // astral letters and digits
  'e\u0301e\u0301', // decomposed accents
  'Z\u0334\u0321\u032A\u032B\u0356\u0325\u0314\u033F\u0303\u0344\u0345a\u0338\u034D\u034E\u032D\u035Al\u0337g\u0335o', // combining marks (zalgo)
  'a' + '\u0301'.repeat(300), // one grapheme, many code points
  '\uFFFF\uFFFE', // noncharacters
  '\uE000\uF8FF', // private use
  'İıŞşĞğ', // Turkish casing
  'Straße ǅ ﬃ', // case mapping changes the length
  'ＡＢＣ１２３', // full width
  'Раnаmá', // Cyrillic homoglyphs
  '٠١٢٣٤٥٦٧٨٩', // Arabic-Indic digits
  '\u1100\u1161\u11A8', // Hangul jamo
  '\uD83D\uDE00'.repeat(40), // 40 emoji (80 UTF-16 units)
];

/** SQL, script, template, path and format-string injection. */
export const injection: readonly string[] = [
  "' OR '1'='1",
  "'; DROP TABLE persons; --",
  "Robert'); DELETE FROM users; --",
  '" OR ""="',
  '1; SELECT pg_sleep(10)',
  "' UNION SELECT password_hash FROM users --",
  '$$; SELECT 1; $$',
  "E'\\x00'",
  '\\',
  "\\'",
  '%',
  '%%',
  '_',
  '%_%\\%',
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  "javascript:alert('x')",
  '{{7*7}}',
  '${7*7}',
  '{% for x in range(9) %}x{% endfor %}',
  '#{7*7}',
  '../../../../etc/passwd',
  '..\\..\\windows\\win.ini',
  '%00',
  '%s%s%s%n',
  '{"$gt":""}',
  '__proto__',
  'constructor',
  'prototype',
  '(a+)+$',
  '[',
  '(',
  '*',
  '\\d{99999}',
  "!&|:*()<->'",
  'a:* & !b',
  'null',
  'undefined',
  'NaN',
  'true',
  '[object Object]',
  '=cmd|\' /C calc\'!A0', // spreadsheet formula
  '@SUM(1+1)',
];

/** Text that looks like a number and is not one (for numeric query parameters). */
export const nanLike: readonly string[] = ['NaN', 'Infinity', '-Infinity', '1e309', '-1e309', '0x10', '1_000', ' 1', '1 ', '1.0', '1.5', '-0', '+1', '', '٣', '１', '1e2', '00001', '9'.repeat(400), '-9007199254740993', '0.0000001', 'one'];

/** Numbers at and past every boundary a schema or a database column may have. */
export const extremeNumbers: readonly number[] = [
  -1,
  0,
  1,
  -0,
  0.5,
  1.5,
  -1.5,
  2147483647,
  2147483648,
  -2147483649,
  9007199254740991,
  2 ** 53 + 2, // past the safe integers
  -(2 ** 53 + 2),
  1e21,
  1e308,
  -1e308,
  5e-324,
  1.7976931348623157e308,
  36500,
  -36500,
];

/** Impossible or extreme calendar dates (and things that are not dates). */
export const badDates: readonly string[] = [
  '2026-02-30',
  '2026-02-29',
  '2025-04-31',
  '2026-13-01',
  '2026-00-10',
  '2026-01-00',
  '2026-01-32',
  '0000-01-01',
  '0000-00-00',
  '0001-01-01',
  '-0001-01-01',
  '99999-01-01',
  '9999-12-31',
  '1000-01-01',
  '1582-10-10',
  '1900-02-29',
  '2100-02-29',
  '2026-1-1',
  '20260101',
  '2026/01/15',
  '15-01-2026',
  ' 2026-01-15',
  '2026-01-15 ',
  '2026-01-15\u0000',
  '2026-01-15T00:00:00Z',
  '٢٠٢٦-٠١-١٥',
  'infinity',
  '-infinity',
  'epoch',
  'today',
  'now',
  'allballs',
];

/** Impossible or extreme instants. */
export const badDateTimes: readonly string[] = [
  '2026-02-30T10:00:00Z',
  '2026-01-15T24:00:00Z',
  '2026-01-15T25:00:00Z',
  '2026-01-15T23:59:60Z',
  '2026-12-31T23:59:60Z',
  '2026-01-15T10:60:00Z',
  '2026-01-15T10:00:00+25:00',
  '2026-01-15T10:00:00+14:00',
  '2026-01-15T10:00:00-12:00',
  '2026-01-15T10:00:00',
  '2026-01-15T10:00:00.123456789Z',
  '2026-01-15t10:00:00z',
  '2026-01-15 10:00:00Z',
  '0000-01-01T00:00:00Z',
  '0001-01-01T00:00:00Z',
  '1000-01-01T00:00:00Z',
  '1899-12-31T23:59:59Z',
  '9999-12-31T23:59:59Z',
  '9999-12-31T23:59:59-12:00',
  '99999-01-01T00:00:00Z',
  '+275760-09-13T00:00:00Z',
  '2026-01-15',
  '1768471200',
  'infinity',
  'now',
];

/** Identifiers that are not (existing) UUIDs. */
export const badUuids: readonly string[] = [
  '00000000-0000-0000-0000-000000000000',
  'ffffffff-ffff-ffff-ffff-ffffffffffff',
  '00000000-0000-4000-8000-000000000000',
  'not-a-uuid',
  '1',
  '0',
  '-1',
  '9999999999999999999999',
  "' OR 1=1 --",
  '../etc/passwd',
  '..',
  '.',
  '%2e%2e',
  '{00000000-0000-0000-0000-000000000000}',
  'urn:uuid:00000000-0000-4000-8000-000000000000',
  '00000000000040008000000000000000',
  '00000000-0000-4000-8000-00000000000g',
  '00000000-0000-4000-8000-0000000000000',
  'ZZZZZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZZZZZZZZZ',
  '\u0000',
  '🙂',
  'a'.repeat(300),
];

/** Values of every JSON type, to put where another type is expected. */
export const wrongTypes: readonly unknown[] = [null, true, false, 0, -1, 1.5, '', 'x', '1', 'true', [], [1], ['x'], {}, { a: 1 }, [[[]]], { version: 1 }];

/** Properties nobody declared, to add to objects. */
export const extraProperties: readonly [string, unknown][] = [
  ['isAdmin', true],
  ['id', '00000000-0000-4000-8000-000000000000'],
  ['version', 999999],
  ['createdBy', 'admin'],
  ['custodyStatus', 'released'],
  ['constructor', { prototype: { polluted: true } }],
  ['$where', '1 == 1'],
  ['', ''],
  ['\u0000', 1],
  ['a'.repeat(1000), 1],
];

/** Base64 payloads for photo and scan fields: none of them a usable image or PDF. */
const pngHeader = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
export const badBase64: readonly string[] = [
  '',
  '====',
  'not base64 at all!',
  'iVBORw0KGgo', // a PNG signature cut short
  pngHeader.toString('base64'),
  Buffer.concat([pngHeader, Buffer.alloc(64, 0xff)]).toString('base64'),
  Buffer.from('%PDF-1.7\n%%EOF').toString('base64'),
  Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10]).toString('base64'), // a JPEG start only
  Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>').toString('base64'),
  Buffer.from('GIF89a').toString('base64'),
  'data:image/png;base64,iVBORw0KGgo=',
  'A'.repeat(4097),
];

/** A 1×1 PNG (valid), so that some photo uploads pass validation and reach storage. */
export const onePixelPngBase64 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';

/** Bodies that are not valid JSON, or JSON of the wrong shape, sent as application/json. */
export function brokenJsonBodies(): string[] {
  return [
    '',
    ' ',
    '{',
    '}',
    '{"a":}',
    '{"a":1,}',
    "{'a':1}",
    '{"a":1}{"b":2}',
    'NaN',
    '{"n":NaN}',
    '{"n":Infinity}',
    '{"n":1e999}',
    '{"n":-}',
    '{"s":"\\ud800"}',
    '{"s":"\\u00"}',
    '{"s":"unterminated}',
    '\uFEFF{}',
    'null',
    'true',
    '0',
    '"text"',
    '[]',
    '[{}]',
    '{"__proto__":{"isAdmin":true}}',
    '{"constructor":{"prototype":{"isAdmin":true}}}',
    '{"a":1,"a":2}',
    '['.repeat(5000) + ']'.repeat(5000),
    '{"a":'.repeat(3000) + '1' + '}'.repeat(3000),
    '\u0000',
    Buffer.from([0xff, 0xfe, 0xfd]).toString('latin1'),
  ];
}

/** Content types other than JSON (an API accepts only application/json). */
export const wrongContentTypes: readonly string[] = [
  'text/plain',
  'text/html',
  'application/xml',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=xyz',
  'application/octet-stream',
  'application/json-patch+json',
  'application/jsonx',
  'application/javascript',
  'image/png',
  '*/*',
  'application',
  ';;;',
];

/** Values for the Idempotency-Key header (printable ASCII, 1–200 characters, is the rule). */
export const badIdempotencyKeys: readonly string[] = ['', ' ', 'a b', 'ñ', '\u00e9t\u00e9', 'x'.repeat(201), 'x'.repeat(200), 'k'];
