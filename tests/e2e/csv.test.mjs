// Unit tests of public/js/csv.js, the import's CSV splitting and preview parsing. They need no
// browser and no server: node runs the app's module as it is.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RowTooLargeError, chunkPlanner, isBlankRow, parseCsv, planChunks, sampleValues } from '../../public/js/csv.js';

const utf8 = (text) => new TextEncoder().encode(text);
const decode = (bytes) => new TextDecoder().decode(bytes);

/** Plans `text` in chunks of at most `max` bytes, feeding it `piece` bytes at a time. */
function plan(text, max, piece = 3) {
  const bytes = utf8(text);
  const planner = chunkPlanner(bytes.length, max);
  for (let at = 0; at < bytes.length; at += piece) planner.feed(bytes.subarray(at, at + piece));
  return planner.finish().map(({ start, end }) => decode(bytes.subarray(start, end)));
}

test('chunks end at record ends, never inside a quoted field, and cover every byte', () => {
  const text = 'name,notes\r\n"Ada","line one\nline two"\r\n"Bob ""B""",x\r\n\r\nCy,"a,b"\r\n';
  for (const max of [27, 30, 40, 1000]) {
    const chunks = plan(text, max);
    assert.equal(chunks.join(''), text, `the chunks of at most ${max} bytes put back together are the file`);
    for (const c of chunks) {
      assert.ok(utf8(c).length <= max, `a chunk of ${utf8(c).length} bytes is over ${max}`);
      assert.ok(c.endsWith('\n'), `a chunk ends at a record end: ${JSON.stringify(c)}`);
      // A chunk that ended inside quotes would leave an odd number of quote characters.
      assert.equal((c.match(/"/g) || []).length % 2, 0, `a chunk cuts no quoted field: ${JSON.stringify(c)}`);
    }
  }
  assert.deepEqual(plan(text, 27), ['name,notes\r\n', '"Ada","line one\nline two"\r\n', '"Bob ""B""",x\r\n\r\nCy,"a,b"\r\n']);
  assert.deepEqual(plan(text, 40), ['name,notes\r\n"Ada","line one\nline two"\r\n', '"Bob ""B""",x\r\n\r\nCy,"a,b"\r\n']);
});

test('a quote inside an unquoted field is an ordinary character', () => {
  const text = 'a,b\n5" screen,1\nc,d\n';
  assert.deepEqual(plan(text, 16), ['a,b\n5" screen,1\n', 'c,d\n']);
  assert.deepEqual(parseCsv(text), [['a', 'b'], ['5" screen', '1'], ['c', 'd']]);
});

test('a last record without a newline, and a file that fits in one chunk', () => {
  assert.deepEqual(plan('a\nbb\nccc', 5), ['a\nbb\n', 'ccc']);
  assert.deepEqual(plan('a,b\n1,2\n', 1000), ['a,b\n1,2\n']);
  assert.deepEqual(plan('', 1000), [''], 'an empty file is one empty chunk');
});

test('multi-byte characters count as their UTF-8 bytes', () => {
  const text = 'n\nÉé\nü\n';
  const chunks = plan(text, 6, 1);
  assert.equal(chunks.join(''), text);
  for (const c of chunks) assert.ok(utf8(c).length <= 6, `${JSON.stringify(c)} is ${utf8(c).length} bytes`);
});

test('a record bigger than a chunk cannot be split', () => {
  assert.throws(() => plan('a\n"very long, quoted\nrecord"\nb\n', 10), RowTooLargeError);
  assert.throws(() => plan('a\nlast record is long', 10), RowTooLargeError);
});

test('planChunks reads a Blob in pieces', async () => {
  const rows = ['email,name', ...Array.from({ length: 200 }, (_, i) => `p${i}@example.com,"Person, ${i}"`)];
  const text = `\ufeff${rows.join('\r\n')}\r\n`;
  const blob = new Blob([text]);
  const chunks = await planChunks(blob, { maxBytes: 1000, readBytes: 333 });
  assert.ok(chunks.length > 3, 'a file over several chunks');
  assert.equal(chunks[0].start, 0);
  assert.equal(chunks[chunks.length - 1].end, blob.size);
  for (let i = 1; i < chunks.length; i += 1) assert.equal(chunks[i].start, chunks[i - 1].end, 'the chunks follow each other');
  const bytes = new Uint8Array(await blob.arrayBuffer());
  for (const { start, end } of chunks) {
    assert.ok(end - start <= 1000);
    assert.equal(bytes[end - 1], 0x0a, 'every chunk ends with a newline');
  }
});

test('parseCsv reads quoted commas, newlines, escapes, CRLF and a BOM', () => {
  const text = '\ufeffEmail,Notes\r\nada@example.com,"Met at SaaStr, keen"\r\n\r\nbob@example.com,"Said ""hi""\r\ntwice"\r\n';
  assert.deepEqual(parseCsv(text), [
    ['Email', 'Notes'],
    ['ada@example.com', 'Met at SaaStr, keen'],
    [''],
    ['bob@example.com', 'Said "hi"\r\ntwice'],
  ]);
  assert.deepEqual(parseCsv(text, { maxRows: 2 }), [
    ['Email', 'Notes'],
    ['ada@example.com', 'Met at SaaStr, keen'],
  ]);
  assert.deepEqual(parseCsv('a,b\n1,2\n3,', { truncated: true }), [['a', 'b'], ['1', '2']], 'a cut-off last row is left out');
  assert.deepEqual(parseCsv('a,b\n1,'), [['a', 'b'], ['1', '']], 'an empty last field');
});

test('sampleValues skips the header, blank lines and empty values', () => {
  const rows = parseCsv('Email,Name\n\n,Ada\nb@x.com,\nc@x.com,Cy\nd@x.com,Di\ne@x.com,Ed\n');
  assert.ok(isBlankRow(rows[1]));
  assert.deepEqual(sampleValues(rows, 2, 3), [
    ['b@x.com', 'c@x.com', 'd@x.com'],
    ['Ada', 'Cy', 'Di'],
  ]);
});
