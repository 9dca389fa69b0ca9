/** A rollout step that did not reach its goal; the message names the cluster, service or task and what to do. */
export class RolloutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RolloutError';
  }
}
