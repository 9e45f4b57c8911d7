import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { examplesDir } from '../helpers/examples';

interface Template {
  Parameters: Record<string, { Default?: string }>;
  Resources: { NodeLaunchTemplate: { Properties: { LaunchTemplateData: Record<string, unknown> } } };
}

const template = parse(fs.readFileSync(path.join(examplesDir, 'cloudformation/launch-template.yaml'), 'utf8')) as Template;
const data = template.Resources.NodeLaunchTemplate.Properties.LaunchTemplateData as {
  UserData: { 'Fn::Base64': { 'Fn::Sub': string } };
  MetadataOptions: Record<string, string>;
  TagSpecifications: Array<{ Tags: Array<{ Key: string; Value: unknown }> }>;
};

/** What CloudFormation's Fn::Sub does with a template string and the parameters' defaults. */
function sub(text: string, parameters: Template['Parameters']): string {
  return text.replace(/\$\{(!?)([^}]*)\}/g, (_, bang: string, name: string) => {
    if (bang) return `\${${name}}`;
    const value = parameters[name]?.Default ?? (name === 'AWS::Region' ? 'us-west-2' : undefined);
    if (value === undefined) throw new Error(`Fn::Sub names \${${name}}, which is not a parameter with a default`);
    return value;
  });
}

describe('examples/cloudformation/launch-template.yaml', () => {
  const script = sub(data.UserData['Fn::Base64']['Fn::Sub'], template.Parameters);

  it('is plain YAML (long-form intrinsics) whose UserData substitutes only known parameters', () => {
    expect(script.startsWith('#!/bin/sh\nset -eu\n')).toBe(true);
    expect(script).toContain("nodegrid init --id \"$NODEGRID_ID\" --deployment 'fed1' --nodepart 'app1' --stacktype 'lad1' --initgitrepo 'grid-config'");
    expect(script).toContain('echo "nodegrid: ${HOSTNAME} joined');
  });

  it('is a shell script sh accepts', () => {
    const check = spawnSync('sh', ['-n'], { input: script, encoding: 'utf8' });
    expect(check.status, check.stderr).toBe(0);
  });

  it('installs, reads its identity, reports setup, inits, reports initdone and schedules the beat, in that order', () => {
    const steps = [
      /^npm install --global .*nodegrid-0\.1\.0\.tgz'$/m,
      /^NODEGRID_ID=\$\(curl .*meta-data\/instance-id\)$/m,
      /^nodegrid init --id /m,
      /^nodegrid state set setup\b/m,
      /^git clone --quiet 'git@github\.com:acme\/grid-config\.git'/m,
      /^if ! sh bin\/nodeinit\/common\/init\.sh; then$/m,
      /^nodegrid state set initdone\b/m,
      /^nodegrid install cron$/m,
    ];
    const positions = steps.map((step) => script.search(step));
    expect(positions.every((at) => at >= 0), `missing: ${steps.filter((_, i) => positions[i]! < 0).join(', ')}`).toBe(true);
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
  });

  it('lets the node read its DNA from instance tags over IMDSv2, and starts it in presetup', () => {
    expect(data.MetadataOptions).toMatchObject({ HttpTokens: 'required', InstanceMetadataTags: 'enabled' });
    const keys = data.TagSpecifications[0]!.Tags.map((tag) => tag.Key);
    expect(keys).toEqual(['deployment', 'nodepart', 'stacktype', 'initgitrepo', 'add:state']);
  });
});
