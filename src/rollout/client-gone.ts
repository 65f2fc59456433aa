// The caller of a request went away (its connection closed) while a path of one of its fields
// ran: the path's work is cancelled and nothing answers. Not the path's fault: no fallback, no
// breaker failure, no guard evidence, no unexpected-error log.

export class ClientGoneError extends Error {
  constructor(readonly flag: string) {
    super(`the client went away while ${flag} was read`);
    this.name = 'ClientGoneError';
    // Raised by the request's abort event, whose stack says nothing. graphql-js reads the stack
    // of an error it wraps, and formatting one first loads the bundle's source map: kept plain.
    this.stack = `${this.name}: ${this.message}`;
  }
}
