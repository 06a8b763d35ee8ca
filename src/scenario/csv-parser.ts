// A small RFC 4180 CSV parser: comma-separated, double-quoted fields may hold commas, quotes
// (doubled: "") and line breaks; CRLF or LF line ends; a leading BOM is skipped; blank lines are
// skipped. A quote inside an unquoted field is kept literally (common in hand-written files).

export interface CsvProblem {
  readonly message: string;
  /** 1-based position in the CSV text. */
  readonly line: number;
  readonly column: number;
}

export interface CsvTable {
  readonly columns: string[];
  readonly rows: string[][];
}

/** Splits CSV text into records of fields (with the line each starts on), or returns the problem. */
export function parseCsvRecords(text: string): { records: string[][]; lines: number[] } | CsvProblem {
  const records: string[][] = [];
  const lines: number[] = [];
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  let lineStart = i;
  const n = text.length;
  while (i < n) {
    // Skip blank lines.
    if (text[i] === '\n' || (text[i] === '\r' && text[i + 1] === '\n')) {
      i += text[i] === '\r' ? 2 : 1;
      line++;
      lineStart = i;
      continue;
    }
    const record: string[] = [];
    const recordLine = line;
    for (;;) {
      let field = '';
      if (text[i] === '"') {
        const qLine = line;
        const qCol = i - lineStart + 1;
        i++;
        for (;;) {
          if (i >= n) return { message: 'unterminated quoted field', line: qLine, column: qCol };
          const ch = text[i]!;
          if (ch === '"') {
            if (text[i + 1] === '"') {
              field += '"';
              i += 2;
              continue;
            }
            i++;
            break;
          }
          if (ch === '\n') {
            line++;
            lineStart = i + 1;
          }
          field += ch;
          i++;
        }
        const after = text[i];
        if (after !== undefined && after !== ',' && after !== '\n' && !(after === '\r' && text[i + 1] === '\n')) {
          return { message: `unexpected ${JSON.stringify(after)} after a closing quote`, line, column: i - lineStart + 1 };
        }
      } else {
        const start = i;
        while (i < n) {
          const ch = text[i];
          if (ch === ',' || ch === '\n' || (ch === '\r' && text[i + 1] === '\n')) break;
          i++;
        }
        field = text.slice(start, i);
      }
      record.push(field);
      if (text[i] === ',') {
        i++;
        continue;
      }
      break;
    }
    records.push(record);
    lines.push(recordLine);
    if (i < n) {
      i += text[i] === '\r' ? 2 : 1;
      line++;
      lineStart = i;
    }
  }
  return { records, lines };
}

/** Parses CSV with a header row into column names and rows of equal width. */
export function parseCsv(text: string): CsvTable | CsvProblem {
  const parsed = parseCsvRecords(text);
  if ('message' in parsed) return parsed;
  const { records, lines } = parsed;
  const header = records[0];
  if (header === undefined) return { message: 'the file is empty (a header row naming the columns is required)', line: 1, column: 1 };
  const seen = new Set<string>();
  for (let c = 0; c < header.length; c++) {
    const name = header[c]!.trim();
    if (name === '') return { message: `column ${c + 1} of the header has no name`, line: lines[0]!, column: 1 };
    if (seen.has(name)) return { message: `duplicate column "${name}" in the header`, line: lines[0]!, column: 1 };
    seen.add(name);
    header[c] = name;
  }
  if (records.length < 2) return { message: 'the file has a header but no data rows', line: lines[0]!, column: 1 };
  for (let r = 1; r < records.length; r++) {
    const got = records[r]!.length;
    if (got !== header.length) {
      return { message: `row has ${got} field${got === 1 ? '' : 's'}, the header has ${header.length}`, line: lines[r]!, column: 1 };
    }
  }
  return { columns: header, rows: records.slice(1) };
}

export function isCsvProblem(x: CsvTable | CsvProblem): x is CsvProblem {
  return 'message' in x;
}
