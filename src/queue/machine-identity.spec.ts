import { machineIdentity, pidRunning, withoutGoneProcesses } from './machine-identity';

describe('worker heartbeats of gone processes', () => {
  const rows = [
    { id: 'a', pid: 10, machine: 'm1' },
    { id: 'b', pid: 11, machine: 'm1' },
    { id: 'c', pid: 10, machine: 'm2' },
    { id: 'd', pid: 12, machine: null },
  ];

  it('drops only rows of this machine whose pid is not running', () => {
    const running = (pid: number) => pid === 11;
    expect(withoutGoneProcesses(rows, 'm1', running).map((r) => r.id)).toEqual(['b', 'c', 'd']);
  });

  it('keeps every row when this machine cannot say who it is', () => {
    expect(withoutGoneProcesses(rows, null, () => false)).toHaveLength(4);
  });

  it('knows this process runs and a reaped pid does not', () => {
    expect(pidRunning(process.pid)).toBe(true);
    expect(pidRunning(2 ** 22 + 1)).toBe(false); // above Linux's pid_max
    if (process.platform === 'linux') expect(machineIdentity()).toMatch(/^[0-9a-f-]{36}\/pid:\[\d+\]$/);
  });
});
