/** A problem the user can fix: what went wrong, where, and how to fix it (one line). */
export class DeployError extends Error {
  constructor(
    readonly what: string,
    readonly where: string,
    readonly fix: string,
  ) {
    super(`${what} (${where}): ${fix}`);
    this.name = 'DeployError';
  }
}
