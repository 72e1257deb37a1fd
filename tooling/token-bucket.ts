/**
 * The rate limit the stand-ins apply (SES's sending rate, Twilio's and the webhook services' 429s): a token bucket of
 * `burst` tokens refilled at `rate` per second. Its clock is injectable: the benchmark uses real time, tests use a
 * clock that moves a fixed step per request, so which requests are throttled never depends on the machine's speed.
 */
export type Clock = () => number;

export type TokenBucket = {
  /** Takes a token: undefined when one was free, else the seconds until the next one. */
  take(): number | undefined;
};

export function tokenBucket(rate: number, burst = 1, clock: Clock = Date.now): TokenBucket {
  let tokens = burst;
  let at = clock();
  return {
    take() {
      const now = clock();
      tokens = Math.min(burst, tokens + ((now - at) / 1000) * rate);
      at = now;
      if (tokens >= 1) {
        tokens -= 1;
        return undefined;
      }
      return (1 - tokens) / rate;
    },
  };
}

/** A clock that moves `stepMs` each time it is read: requests arrive `stepMs` apart whatever the load. */
export function steppingClock(stepMs: number, start = 0): Clock {
  let now = start - stepMs;
  return () => {
    now += stepMs;
    return now;
  };
}
