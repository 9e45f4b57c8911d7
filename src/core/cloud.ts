/**
 * What nodegrid knows of a cloud instance, apart from how it was asked
 * (sinks/ec2 lists them, grid/audit compares them with presence).
 */
export interface CloudInstance {
  readonly id: string;
  /** EC2's state name: pending, running, shutting-down, terminated, stopping, stopped. */
  readonly state: string;
  /** Epoch ms. */
  readonly launchTime?: number | undefined;
  readonly tags: Readonly<Record<string, string>>;
}

/** EC2 instance ids: "i-" and 8 (older) or 17 hexadecimal digits. */
export function isEc2InstanceId(id: string): boolean {
  return /^i-(?:[0-9a-f]{8}|[0-9a-f]{17})$/.test(id);
}

/** Whether an instance carries any tag of ours (audit: "untracked" has none). */
export function hasPrefixedTag(tags: Readonly<Record<string, string>>, prefix: string): boolean {
  return Object.keys(tags).some((key) => key.startsWith(prefix));
}
