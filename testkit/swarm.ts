/**
 * A single-node Docker Swarm on the engine scripts/dockerd.sh starts, for the swarm backend's spec and
 * the fleet bench: initialised on loopback (on a free port) when the engine is in no swarm, and left
 * again afterwards only then; the node gets the location label for the run and gives it back after.
 */
import Docker from 'dockerode';
import { LOCATION_LABEL } from '../packages/fleet/lib/backends/swarm';
import { freePort } from './service';

export interface TestSwarm {
  nodeId: string;
  /** The value of jibri-location this run put on the node. */
  labelValue: string;
  /** Takes the label back (restoring any earlier value), and leaves the swarm if this run joined it. */
  release(): Promise<void>;
}

interface NodeInfo {
  Version: { Index: number };
  Spec: { Labels?: Record<string, string>; Role?: string; Availability?: string };
}

async function setLabel(docker: Docker, nodeId: string, value: string | undefined): Promise<void> {
  const node = docker.getNode(nodeId);
  const info = (await node.inspect()) as NodeInfo;
  const labels = { ...(info.Spec.Labels ?? {}) };
  if (value === undefined) delete labels[LOCATION_LABEL];
  else labels[LOCATION_LABEL] = value;
  await node.update({ _query: { version: info.Version.Index }, _body: { ...info.Spec, Labels: labels } });
}

export async function startTestSwarm(docker: Docker, labelValue: string): Promise<TestSwarm> {
  let info = (await docker.info()) as { Swarm: { LocalNodeState: string; ControlAvailable: boolean; NodeID: string } };
  let initialised = false;
  if (info.Swarm.LocalNodeState === 'inactive') {
    await docker.swarmInit({ ListenAddr: `127.0.0.1:${await freePort()}`, AdvertiseAddr: '127.0.0.1' });
    initialised = true;
    info = (await docker.info()) as typeof info;
  }
  if (info.Swarm.LocalNodeState !== 'active' || !info.Swarm.ControlAvailable) {
    throw new Error(`the Docker engine is in a swarm state the specs cannot use (${info.Swarm.LocalNodeState}, manager: ${info.Swarm.ControlAvailable}): it must be in no swarm, or a manager of one`);
  }
  const nodeId = info.Swarm.NodeID;
  const earlier = ((await docker.getNode(nodeId).inspect()) as NodeInfo).Spec.Labels?.[LOCATION_LABEL];
  await setLabel(docker, nodeId, labelValue);
  return {
    nodeId,
    labelValue,
    release: async () => {
      if (initialised) {
        await docker.swarmLeave({ force: true });
        return;
      }
      await setLabel(docker, nodeId, earlier);
    },
  };
}
