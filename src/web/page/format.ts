/** Times as people read them: "12 min ago" beside "2015-10-08 21:01:30 UTC". */
export function tssToDate(tss: string | null): Date | undefined {
  const m = tss === null ? null : /^(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})$/.exec(tss);
  if (!m) return undefined;
  return new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])));
}

export function isoToDate(iso: string | null): Date | undefined {
  if (iso === null) return undefined;
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

export function relative(date: Date | undefined, now: Date): string {
  if (date === undefined) return '—';
  const seconds = Math.round((now.getTime() - date.getTime()) / 1000);
  if (seconds < 0) return 'in the future';
  if (seconds < 60) return `${seconds} s ago`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 120) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ago`;
  return `${Math.floor(hours / 24)} d ago`;
}

export function exact(date: Date | undefined): string {
  return date === undefined ? '' : date.toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, ' UTC');
}

/** "21:01:30" for the feed and the status line. */
export function clock(date: Date | undefined): string {
  return date === undefined ? '' : date.toISOString().slice(11, 19);
}
