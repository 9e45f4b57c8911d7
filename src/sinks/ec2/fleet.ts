import { paginateDescribeInstances, type Filter } from '@aws-sdk/client-ec2';
import type { CloudInstance } from '../../core/cloud';
import type { Ec2Connection } from './client';

/**
 * Every instance EC2 reports, as plain values for the audit. Loaded only with
 * `await import()` (it pulls in the SDK). Terminated instances are kept: a
 * terminated instance that presence calls alive is a ghost.
 */
export async function listInstances(connection: Ec2Connection, options: { tagPrefix: string; deployment?: string | undefined }): Promise<CloudInstance[]> {
  const filters: Filter[] = options.deployment ? [{ Name: `tag:${options.tagPrefix}deployment`, Values: [options.deployment] }] : [];
  const instances: CloudInstance[] = [];
  const pages = paginateDescribeInstances({ client: connection.client, pageSize: 1000 }, filters.length > 0 ? { Filters: filters } : {});
  for await (const page of pages) {
    for (const reservation of page.Reservations ?? []) {
      for (const instance of reservation.Instances ?? []) {
        if (!instance.InstanceId) continue;
        const tags: Record<string, string> = {};
        for (const tag of instance.Tags ?? []) if (tag.Key !== undefined) tags[tag.Key] = tag.Value ?? '';
        instances.push({
          id: instance.InstanceId,
          state: instance.State?.Name ?? 'unknown',
          launchTime: instance.LaunchTime ? instance.LaunchTime.getTime() : undefined,
          tags,
        });
      }
    }
  }
  return instances;
}
