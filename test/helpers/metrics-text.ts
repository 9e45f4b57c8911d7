/**
 * Sample lines of an exposition text by series ("name{labels}" exactly as
 * written). Only for reading values back in tests; whether the text is valid
 * is promtool's call (helpers/promtool.ts).
 */
export function seriesValues(text: string): Map<string, number> {
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const cut = line.lastIndexOf(' ');
    values.set(line.slice(0, cut), Number(line.slice(cut + 1)));
  }
  return values;
}

/** The value of one series, failing loudly when it is missing. */
export function valueOf(text: string, series: string): number {
  const value = seriesValues(text).get(series);
  if (value === undefined) throw new Error(`no series ${series} in:\n${text}`);
  return value;
}
