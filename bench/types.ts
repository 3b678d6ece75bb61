/** A benchmark module: bench/run.ts runs every registered module (or the one named on the command line). */
export interface BenchResult {
  readonly bench: string;
  readonly metric: string;
  readonly value: number;
  readonly unit: string;
  readonly note?: string;
}

export interface BenchModule {
  readonly name: string;
  run(): Promise<BenchResult[]>;
}
