// How many CPUs this process may use: the cgroup v2 quota when one is set (a pod's CPU limit),
// else what the OS reports. os.availableParallelism() alone would count every core of the node
// and fork dozens of workers into a pod limited to one CPU.
import fs from 'node:fs';
import os from 'node:os';

export function usableCpus(cpuMaxPath = '/sys/fs/cgroup/cpu.max'): number {
  const host = os.availableParallelism();
  try {
    const [quota, period] = fs.readFileSync(cpuMaxPath, 'utf8').trim().split(/\s+/);
    if (quota !== 'max' && Number(period) > 0) return Math.max(1, Math.min(host, Math.ceil(Number(quota) / Number(period))));
  } catch {
    // no cgroup v2 file: not in a container, or cgroup v1
  }
  return host;
}
