/**
 * Formats that keep up and down in one file (goose, dbmate) mark sections with comment lines.
 * A section is split by blanking every line outside it with spaces of the same byte length, so
 * the statements' lines and byte offsets still refer to the original file.
 */
import type { Statement } from '../core/model.js';
import { splitStatements } from './split.js';

/** A marker comment line: its 1-based line and the regex match on the line. */
export interface Marker {
  line: number;
  match: RegExpExecArray;
}

export function findMarkers(source: string, pattern: RegExp): Marker[] {
  const markers: Marker[] = [];
  source.split('\n').forEach((text, i) => {
    const match = pattern.exec(text.replace(/\r$/, ''));
    if (match) markers.push({ line: i + 1, match });
  });
  return markers;
}

/** `source` with every line outside `fromLine..toLine` (1-based, inclusive) blanked. */
export function maskOutside(source: string, fromLine: number, toLine: number): string {
  return source
    .split('\n')
    .map((text, i) => {
      const line = i + 1;
      return line >= fromLine && line <= toLine ? text : ' '.repeat(Buffer.byteLength(text));
    })
    .join('\n');
}

/** The statements of lines `fromLine..toLine` of `source`, with the file's line numbers. */
export function splitSection(
  source: string,
  file: string,
  fromLine: number,
  toLine: number,
): Statement[] {
  if (toLine < fromLine) return [];
  return splitStatements(maskOutside(source, fromLine, toLine), file);
}

/** The lines a marker opens: up to the next marker or the end of the file. */
export interface MarkedSection {
  marker: Marker;
  from: number;
  to: number;
  statements: Statement[];
}

/** Splits a file into the sections that marker lines open; statements keep the file's lines. */
export function splitOnMarkers(source: string, file: string, pattern: RegExp): MarkedSection[] {
  const markers = findMarkers(source, pattern);
  const last = lineCount(source);
  return markers.map((marker, i) => {
    const from = marker.line + 1;
    const to = (markers[i + 1]?.line ?? last + 1) - 1;
    return { marker, from, to, statements: splitSection(source, file, from, to) };
  });
}

/** The number of `\n`-separated lines in `source`; the last line of a section reaching the end. */
export function lineCount(source: string): number {
  return source.split('\n').length;
}
