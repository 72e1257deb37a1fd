/**
 * One configuration for every AWS client of the mirror: a connection timeout, a request timeout and a bounded
 * number of attempts, so no call can wait longer than the deadline guard allows (see deadline.ts). Without them
 * the SDK waits on a silent endpoint until the function itself times out, and CloudFormation waits an hour.
 */
export type ClientTimeouts = {
  /** Milliseconds to establish the TCP/TLS connection. */
  connectionTimeoutMs: number;
  /** Milliseconds for one request, from sending it to its complete answer. */
  requestTimeoutMs: number;
  /** Attempts per call (the SDK's standard retry strategy, with backoff). */
  maxAttempts: number;
};

/** Three attempts of at most 3 s + 8 s each fit well inside the work budget of a 60 s function (mirror.ts). */
export const CLIENT_TIMEOUTS: ClientTimeouts = { connectionTimeoutMs: 3000, requestTimeoutMs: 8000, maxAttempts: 3 };

/** The constructor options every AWS SDK v3 client of the mirror gets. */
export function clientConfig(timeouts: ClientTimeouts = CLIENT_TIMEOUTS) {
  return {
    maxAttempts: timeouts.maxAttempts,
    requestHandler: {
      connectionTimeout: timeouts.connectionTimeoutMs,
      requestTimeout: timeouts.requestTimeoutMs,
      // Without it, @smithy/node-http-handler 4.x only logs a warning when requestTimeout passes and keeps waiting.
      throwOnRequestTimeout: true,
    },
  };
}
