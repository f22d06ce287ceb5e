// The V8 heap the local runtime's Node processes run with (docs/performance.md, the soak).
// Left to itself, Node sizes the heap from the machine's memory: 4 GB on a 24 GB machine, and a
// heap that may grow that far lets its old generation reach up to 4 times its live data before a
// full collection. The platform and the stand-ins each hold about 50 MB of live objects, so
// their resident memory rose for minutes while V8 raised its limit on garbage, not on data.
// AWS Lambda sizes each function's heap from its memory setting; a heap cap of a Lambda's size
// here puts V8 in the same regime (old generation about 1.4 times its live data), which
// collects a little more often and keeps the processes' memory flat.
//
// The platform gets it from whatever starts it (`npm start`'s script, the bench, the e2e tests);
// the stand-ins process from the platform, when it forks it.

/** Old-space cap of the local platform process and of its stand-ins process, in MB. */
export const LOCAL_MAX_OLD_SPACE_MB = 512;

export const LOCAL_HEAP_FLAG = `--max-old-space-size=${LOCAL_MAX_OLD_SPACE_MB}`;

/** `execArgv` with the local heap cap, unless it names a cap already (someone chose one on purpose). */
export function withLocalHeap(execArgv: readonly string[]): string[] {
  const named = execArgv.some((arg) => /^--max[-_]old[-_]space[-_]size(=|$)/.test(arg));
  return named ? [...execArgv] : [...execArgv, LOCAL_HEAP_FLAG];
}
