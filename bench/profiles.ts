// How long and how hard each benchmark runs. `full` is `npm run bench` (about 7 minutes on two
// cores, and the 10-minute soak); `quick` is a smoke run with about half a minute of load (under
// 2 minutes in all, and a 1-minute soak);
// `tiny` only proves that every step works (the test uses it).

export type Mode = "full" | "quick" | "tiny";

export interface Profile {
  mode: Mode;
  /** Discarded load before measuring, so the JIT and connection pools are warm. */
  warmupSeconds: number;
  /** Saturation runs: seconds each, or a fixed number of requests (tiny). */
  acceptSeconds: number;
  acceptAmount?: number;
  connections: number;
  /** The fixed-rate latency run of HTTP accept. */
  fixedRate: number;
  fixedRateSeconds: number;
  batchRecipients: number;
  batchConnections: number;
  batchAmount?: number;
  /** Sequential batches (one in flight) whose handler time prices a batch's Lambda duration. */
  calibrationBatches: number;
  /** Accept to delivered under light load: the pipeline's own latency, and the Lambda durations used for cost. */
  lightRate: number;
  lightSeconds: number;
  /** Accept to delivered at a fixed offered rate. */
  deliveryRate: number;
  deliverySeconds: number;
  /** Messages accepted at once (in batches) to measure the delivered rate at saturation. */
  backlog: number;
  drainTimeoutSeconds: number;
  /** Fresh Node processes per bundle to time cold init. */
  initRuns: number;
  /** Only these manifest functions are bundled (tiny runs); all when absent. */
  bundleOnly?: string[];
  smtpMessages: number;
  /** The read side: messages stored for one account, pages of logs read, statistics answers asked. */
  logsMessages: number;
  logsPageSize: number;
  logsPages: number;
  statisticsAnswers: number;
  /** The soak (bench/soak.ts): seconds of HTTP and SMTP load together, and how often memory is sampled. */
  soakSeconds: number;
  soakSampleSeconds: number;
}

export const PROFILES: Record<Mode, Profile> = {
  full: {
    mode: "full",
    warmupSeconds: 3,
    acceptSeconds: 10,
    connections: 50,
    fixedRate: 200,
    fixedRateSeconds: 10,
    batchRecipients: 1000,
    batchConnections: 4,
    calibrationBatches: 5,
    lightRate: 10,
    lightSeconds: 10,
    deliveryRate: 200,
    deliverySeconds: 20,
    backlog: 3000,
    drainTimeoutSeconds: 300,
    initRuns: 5,
    smtpMessages: 5000,
    logsMessages: 50_000,
    logsPageSize: 100,
    logsPages: 50,
    statisticsAnswers: 30,
    soakSeconds: 600,
    soakSampleSeconds: 10,
  },
  quick: {
    mode: "quick",
    warmupSeconds: 1,
    acceptSeconds: 2,
    connections: 50,
    fixedRate: 200,
    fixedRateSeconds: 2,
    batchRecipients: 1000,
    batchConnections: 4,
    // A batch takes about half a second here: count whole requests, not a 2-second window that ends mid-batch.
    batchAmount: 16,
    calibrationBatches: 2,
    lightRate: 10,
    lightSeconds: 2,
    deliveryRate: 200,
    deliverySeconds: 2,
    backlog: 500,
    drainTimeoutSeconds: 120,
    initRuns: 1,
    smtpMessages: 500,
    logsMessages: 10_000,
    logsPageSize: 100,
    logsPages: 20,
    statisticsAnswers: 10,
    soakSeconds: 60,
    soakSampleSeconds: 5,
  },
  tiny: {
    mode: "tiny",
    warmupSeconds: 0,
    acceptSeconds: 1,
    acceptAmount: 50,
    connections: 5,
    fixedRate: 20,
    fixedRateSeconds: 1,
    batchRecipients: 20,
    batchConnections: 2,
    batchAmount: 4,
    calibrationBatches: 1,
    lightRate: 5,
    lightSeconds: 1,
    deliveryRate: 10,
    deliverySeconds: 1,
    backlog: 20,
    drainTimeoutSeconds: 60,
    initRuns: 1,
    bundleOnly: ["SendMessages", "Deliver"],
    smtpMessages: 20,
    logsMessages: 300,
    logsPageSize: 20,
    logsPages: 3,
    statisticsAnswers: 3,
    soakSeconds: 4,
    soakSampleSeconds: 1,
  },
};
