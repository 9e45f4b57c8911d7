export type GeneratedHealth = 'alive' | 'new' | 'stale' | 'zombie' | 'wedged' | 'retired';

export interface GenerateOptions {
  now: Date;
  mix: Partial<Record<GeneratedHealth, number>>;
  deployments?: string[];
  nodeparts?: string[];
  hostile?: boolean;
  fields?: (id: string, kind: GeneratedHealth) => Record<string, string>;
}

export interface GeneratedPresence {
  ids: Partial<Record<GeneratedHealth, string[]>>;
  hostile: string[];
  total: number;
}

export function presenceDocument(value: Record<string, string>): string;
export function generatePresence(root: string, options: GenerateOptions): GeneratedPresence;
export function minuteOf(date: Date): string;
export function tssOf(date: Date): string;
export function writeBeat(root: string, id: string, at: Date): void;
export function updateDocument(root: string, id: string, changes: Record<string, string>): void;
