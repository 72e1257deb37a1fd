import {
  ANSWER_RESERVE_MS,
  budgetFor,
  PhaseTimeoutError,
  SAFETY_MS,
  withDeadline,
} from '../../../functions/mirror/deadline';

test('a 60 s function works until 21 s before its end and answers in the rest', () => {
  expect(budgetFor(60000, 0)).toEqual({ workUntil: 60000 - SAFETY_MS - ANSWER_RESERVE_MS, answerUntil: 59000 });
  // A short budget is shared half and half.
  expect(budgetFor(5000, 0)).toEqual({ workUntil: 2000, answerUntil: 4000 });
  expect(budgetFor(0, 0)).toEqual({ workUntil: 0, answerUntil: 0 });
});

test('a phase that never finishes rejects at the deadline with its name, and its signal is aborted', async () => {
  let signal: AbortSignal | undefined;
  const hung = withDeadline('start build', 'CodeBuild (StartBuild)', Date.now() + 30, (s) => {
    signal = s;
    return new Promise<never>(() => undefined);
  });
  await expect(hung).rejects.toBeInstanceOf(PhaseTimeoutError);
  await expect(hung).rejects.toMatchObject({
    phase: 'start build',
    message: expect.stringMatching(/^start build timed out: CodeBuild \(StartBuild\) did not answer/),
  });
  expect(signal?.aborted).toBe(true);
});

test('an SDK call aborted by the deadline is reported as the phase timing out', async () => {
  const aborted = withDeadline(
    'check destination',
    'ECR',
    Date.now() + 20,
    (s) =>
      new Promise((_, reject) =>
        s.addEventListener('abort', () => reject(Object.assign(new Error('aborted'), { name: 'AbortError' }))),
      ),
  );
  await expect(aborted).rejects.toMatchObject({ name: 'PhaseTimeoutError', phase: 'check destination' });
});

test('results and ordinary errors pass through; a spent budget fails at once', async () => {
  await expect(withDeadline('p', 'x', Date.now() + 1000, async () => 42)).resolves.toBe(42);
  await expect(
    withDeadline('p', 'x', Date.now() + 1000, async () => Promise.reject(new Error('boom'))),
  ).rejects.toThrow('boom');
  let ran = false;
  await expect(
    withDeadline('resolve source', 'ECR', Date.now() - 1, async () => {
      ran = true;
    }),
  ).rejects.toMatchObject({ phase: 'resolve source' });
  expect(ran).toBe(false);
});
