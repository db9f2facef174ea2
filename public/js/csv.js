// CSV in the browser, for the import: where a file can be cut into chunks the server accepts
// (at record boundaries, never inside a quoted field), and the first rows parsed for a preview.
// No DOM and no imports, so node can test it as it is.

/** The most bytes one chunk may hold: under the server's 4 MiB per request, with room to spare. */
export const MAX_CHUNK_BYTES = 3.5 * 1024 * 1024;

const QUOTE = 0x22;
const COMMA = 0x2c;
const LF = 0x0a;

// Where the scanner is: at the start of a field, inside an unquoted field, inside a quoted one,
// or just after a quote inside a quoted field (a second quote there is an escaped "").
const FIELD_START = 0;
const UNQUOTED = 1;
const QUOTED = 2;
const QUOTE_IN_QUOTED = 3;

/** A row bigger than a chunk: the file cannot be sent in parts. */
export class RowTooLargeError extends Error {
  constructor(offset, maxBytes) {
    super(`A row starting at byte ${offset} is larger than ${(maxBytes / 1024 / 1024).toFixed(1)} MB, the most one part of an upload may hold.`);
    this.name = 'RowTooLargeError';
    this.offset = offset;
  }
}

/**
 * A scanner fed the file's bytes in pieces; it reports the end of each record (the byte after a
 * newline outside quotes) as an absolute offset. A quote opens a quoted field only at the start
 * of a field, as RFC 4180 has it; elsewhere it is an ordinary character. CR needs nothing: a CRLF
 * record ends after its LF. The bytes of '"', ',' and '\n' never occur inside a multi-byte UTF-8
 * character, so scanning bytes is exact for UTF-8 (and any ASCII-compatible encoding).
 */
export function recordScanner(onRecordEnd) {
  let state = FIELD_START;
  let offset = 0;
  return (bytes) => {
    for (let i = 0; i < bytes.length; i += 1) {
      const b = bytes[i];
      switch (state) {
        case QUOTED:
          if (b === QUOTE) state = QUOTE_IN_QUOTED;
          break;
        case QUOTE_IN_QUOTED:
          if (b === QUOTE) state = QUOTED;
          else if (b === COMMA) state = FIELD_START;
          else if (b === LF) {
            state = FIELD_START;
            onRecordEnd(offset + i + 1);
          } else state = UNQUOTED;
          break;
        default:
          // FIELD_START or UNQUOTED.
          if (b === LF) {
            state = FIELD_START;
            onRecordEnd(offset + i + 1);
          } else if (b === COMMA) state = FIELD_START;
          else if (b === QUOTE && state === FIELD_START) state = QUOTED;
          else state = UNQUOTED;
      }
    }
    offset += bytes.length;
  };
}

/**
 * Cuts `size` bytes into chunks of at most `maxBytes` at record ends. `feed(bytes)` takes the
 * bytes in order; `finish()` returns `[{ start, end }]` (end exclusive) covering every byte.
 * Throws `RowTooLargeError` when one record alone is bigger than `maxBytes`.
 */
export function chunkPlanner(size, maxBytes = MAX_CHUNK_BYTES) {
  const chunks = [];
  let start = 0;
  let lastEnd = 0; // the last record end seen in the current chunk
  const onRecordEnd = (end) => {
    if (end - start > maxBytes) {
      if (lastEnd <= start) throw new RowTooLargeError(start, maxBytes);
      chunks.push({ start, end: lastEnd });
      start = lastEnd;
      if (end - start > maxBytes) throw new RowTooLargeError(start, maxBytes);
    }
    lastEnd = end;
  };
  const scan = recordScanner(onRecordEnd);
  return {
    feed: scan,
    finish() {
      // The last record may have no newline: it ends at the end of the file.
      if (size > start && size - start > maxBytes) {
        if (lastEnd <= start) throw new RowTooLargeError(start, maxBytes);
        chunks.push({ start, end: lastEnd });
        start = lastEnd;
        if (size - start > maxBytes) throw new RowTooLargeError(start, maxBytes);
      }
      if (size > start || chunks.length === 0) chunks.push({ start, end: size });
      return chunks;
    },
  };
}

/**
 * Plans the chunks of a File or Blob, reading it `readBytes` at a time (so a large file is never
 * in memory whole); `onProgress(read, size)` follows the reading.
 */
export async function planChunks(blob, { maxBytes = MAX_CHUNK_BYTES, readBytes = 8 * 1024 * 1024, onProgress = () => {} } = {}) {
  const planner = chunkPlanner(blob.size, maxBytes);
  for (let at = 0; at < blob.size; at += readBytes) {
    const bytes = new Uint8Array(await blob.slice(at, Math.min(blob.size, at + readBytes)).arrayBuffer());
    planner.feed(bytes);
    onProgress(Math.min(blob.size, at + readBytes), blob.size);
  }
  return planner.finish();
}

/**
 * Parses CSV text into rows of fields (quoted fields may hold commas, newlines and "" escapes; a
 * leading BOM is dropped; CRLF and LF both end a row), stopping after `maxRows` rows. When
 * `truncated`, the text was cut short, so its last row, maybe incomplete, is left out.
 */
export function parseCsv(text, { maxRows = Infinity, truncated = false } = {}) {
  const rows = [];
  let row = [];
  let field = '';
  let state = FIELD_START;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const endField = () => {
    row.push(field);
    field = '';
  };
  const endRow = () => {
    endField();
    rows.push(row);
    row = [];
  };
  for (; i < text.length && rows.length < maxRows; i += 1) {
    const c = text[i];
    if (state === QUOTED) {
      if (c === '"') state = QUOTE_IN_QUOTED;
      else field += c;
      continue;
    }
    if (state === QUOTE_IN_QUOTED && c === '"') {
      field += '"';
      state = QUOTED;
      continue;
    }
    if (c === ',') {
      endField();
      state = FIELD_START;
    } else if (c === '\n') {
      if (field.endsWith('\r') && state !== QUOTE_IN_QUOTED) field = field.slice(0, -1);
      endRow();
      state = FIELD_START;
    } else if (c === '\r' && state === QUOTE_IN_QUOTED) {
      // "value"\r\n: the CR belongs to the line end, not the field.
    } else if (c === '"' && state === FIELD_START) {
      state = QUOTED;
    } else {
      field += c;
      state = UNQUOTED;
    }
  }
  if (rows.length < maxRows && !truncated && (field !== '' || row.length > 0)) {
    if (field.endsWith('\r')) field = field.slice(0, -1);
    endRow();
  }
  return rows;
}

/** True for a row with no content (a blank line). */
export function isBlankRow(row) {
  return row.every((f) => f.trim() === '');
}

/**
 * The first `perColumn` non-empty values of each column in the data rows (header excluded,
 * blank lines skipped), as `[[values of column 0], …]` for `columns` columns.
 */
export function sampleValues(rows, columns, perColumn = 3) {
  const out = Array.from({ length: columns }, () => []);
  for (const row of rows.slice(1)) {
    if (isBlankRow(row)) continue;
    for (let c = 0; c < columns; c += 1) {
      const v = (row[c] || '').trim();
      if (v && out[c].length < perColumn) out[c].push(v);
    }
  }
  return out;
}
