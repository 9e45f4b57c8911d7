import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { examplesDir } from '../helpers/examples';

describe('examples/vagrant/Vagrantfile', () => {
  // Ruby is not installed where the tests run: this reads the file, it does not run it.
  const text = fs.readFileSync(path.join(examplesDir, 'vagrant/Vagrantfile'), 'utf8');

  it('defines the three nodes of a lad1 grid', () => {
    for (const part of ['lb1', 'app1', 'db1']) expect(text).toMatch(new RegExp(`^\\s*"${part}"\\s*=>\\s*\\{ ip: "192\\.168\\.56\\.\\d+", id: "vg-${part}" \\}`, 'm'));
    expect(text).toContain('config.vm.define part do');
  });

  it('provisions each node through the nodegrid lifecycle, in order', () => {
    const steps = ['nodegrid init --id', 'nodegrid state set setup', 'nodegrid state set initdone', 'nodegrid install cron', 'nodegrid nodes'];
    const positions = steps.map((step) => text.indexOf(step));
    expect(positions.every((at) => at >= 0)).toBe(true);
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
    expect(text).toMatch(/remote: \/srv\/presence\.git/);
  });
});

describe('examples/presence-repo/README.md', () => {
  const text = fs.readFileSync(path.join(examplesDir, 'presence-repo/README.md'), 'utf8');

  it('covers branch protection, a deploy key per grid and a separate heartbeat branch', () => {
    expect(text).toMatch(/^## .*Branch protection off/m);
    expect(text).toMatch(/^## .*deploy key per grid/m);
    expect(text).toContain('heartbeat: {branch: heartbeat}');
  });
});
