/**
 * A wait of at most some milliseconds that another part of the process can end early: the pause
 * between two rounds of a worker's loops (the webhook courier, the closings sweep).
 */
export function wakeablePause(): { wait(ms: number): Promise<void>; wake(): void } {
  let wake: (() => void) | undefined;
  return {
    wait: (ms) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, ms);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      }).finally(() => {
        wake = undefined;
      }),
    wake: () => wake?.(),
  };
}
