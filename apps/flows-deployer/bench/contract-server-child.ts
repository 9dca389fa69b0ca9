/**
 * The contract server in a process of its own, so a benchmark measures the deployer's memory
 * and CPU without the server's. Started by {@link startContractServerProcess}; answers
 * `{ apiUrl }` once listening, `{ writes, violations }` on 'stats', and exits on 'stop'.
 */
import { PrefectContractServer } from '@blog-data/prefect-api/testing';

interface ChildMessage {
  readonly kind: 'stats' | 'clear' | 'stop';
}

async function main(): Promise<void> {
  const options = JSON.parse(process.env.CONTRACT_SERVER_OPTIONS ?? '{}');
  const server = await PrefectContractServer.start(options);
  process.on('message', (message: ChildMessage) => {
    if (message.kind === 'stats') {
      process.send?.({ kind: 'stats', writes: server.writes.length, requests: server.requests.length, deployments: server.deployments.size, violations: server.violations.slice(0, 10) });
    } else if (message.kind === 'clear') {
      server.clearLog();
      process.send?.({ kind: 'cleared' });
    } else {
      void server.stop().then(() => process.exit(0));
    }
  });
  process.send?.({ kind: 'ready', apiUrl: server.apiUrl });
}

void main();
