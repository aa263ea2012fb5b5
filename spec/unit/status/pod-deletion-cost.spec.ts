/**
 * The pod-deletion-cost patch. No Kubernetes cluster runs here: the request is checked as an API server
 * would receive it, on a loopback HTTPS receiver with its own CA, and the body against the merge-patch
 * shape the API server applies.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { createLogger } from '../../../lib/log';
import { DELETION_COST_ANNOTATION, deletionCostPatch, PodDeletionCost, podPath } from '../../../lib/status/pod-deletion-cost';

describe('pod-deletion-cost', () => {
  it('costs 1000 per running session, 0 when idle', () => {
    expect(deletionCostPatch(0)).toEqual({ metadata: { annotations: { [DELETION_COST_ANNOTATION]: '0' } } });
    expect(deletionCostPatch(3).metadata.annotations[DELETION_COST_ANNOTATION]).toBe('3000');
    expect(podPath('rec/ns', 'jibri-ts-7f9c')).toBe('/api/v1/namespaces/rec%2Fns/pods/jibri-ts-7f9c');
  });

  it('applies only in a pod with its name, namespace and service account', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sa-'));
    const k8s = { apiHost: '10.0.0.1', apiPort: 443, podName: 'p', podNamespace: 'n' };
    expect(PodDeletionCost.applies(k8s, dir)).toBe(false);
    fs.writeFileSync(path.join(dir, 'token'), 't');
    expect(PodDeletionCost.applies(k8s, dir)).toBe(true);
    expect(PodDeletionCost.applies({ apiPort: 443 }, dir)).toBe(false);
  });

  it('patches its own pod with the mounted token, trusting only the mounted CA, and sends the latest value', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sa-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', `${dir}/key.pem`, '-out', `${dir}/ca.crt`], { stdio: 'ignore' });
    fs.writeFileSync(path.join(dir, 'token'), 'sa-token-1\n');
    const seen: Array<{ method?: string; url?: string; auth?: string; type?: string; body: unknown }> = [];
    const server = https.createServer({ key: fs.readFileSync(`${dir}/key.pem`), cert: fs.readFileSync(`${dir}/ca.crt`) }, (req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        seen.push({ method: req.method, url: req.url, auth: req.headers.authorization, type: req.headers['content-type'], body: JSON.parse(body) });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const port = (server.address() as AddressInfo).port;
      const cost = new PodDeletionCost({ k8s: { apiHost: '127.0.0.1', apiPort: port, podName: 'rec-0', podNamespace: 'jibri' }, log: createLogger('error', { silent: true }), serviceAccountDir: dir });
      cost.update(1);
      cost.update(2); // while the first is in flight: the pod must end at 2
      const until = Date.now() + 10000;
      while (Date.now() < until && !seen.some((s) => JSON.stringify(s.body).includes('"2000"'))) await new Promise((r) => setTimeout(r, 50));
      expect(seen[0]).toEqual({
        method: 'PATCH',
        url: '/api/v1/namespaces/jibri/pods/rec-0',
        auth: 'Bearer sa-token-1',
        type: 'application/merge-patch+json',
        body: { metadata: { annotations: { [DELETION_COST_ANNOTATION]: '1000' } } },
      });
      expect(seen[seen.length - 1]?.body).toEqual(deletionCostPatch(2));
      const count = seen.length;
      cost.update(2); // unchanged: nothing sent
      await new Promise((r) => setTimeout(r, 300));
      expect(seen).toHaveLength(count);
    } finally {
      server.close();
    }
  });
});
